#!/usr/bin/python3
"""Drives Debian's python-socketio client (python3-socketio 5.7, python3-engineio 4.3) for
tests/interop: one socketio.Client connected to senna, controlled over stdin and reporting over
stdout, one JSON object a line each way.

    argv[1]: {"url", "token", "transports": ["websocket"] | ["polling"], "events": [...]}

stdout: {"type": "connect", "transport"}, {"type": "disconnect"}, {"type": "connect_error",
"data"}, {"type": "event", "event", "data"} for every event named in "events", and
{"type": "reply", "id", ...} for each command. Long strings (over 4096 characters) and bytes
are reported as {"$str"|"$bytes": length, "sha256": hex} so a 900 KB payload stays checkable.

stdin commands, each with an "id":
    {"cmd": "emit", "event", "data", "ack": true|false, "timeout": s}
        -> reply {"ack": [args...]} (or {"timeout": true}); without ack, {"sent": true}.
        In "data", {"$repeat": "a", "n": N} becomes "a" * N and {"$bytes": N} N bytes.
    {"cmd": "state"} -> reply {"connected", "transport", "eio_state"}
    {"cmd": "disconnect"} -> the client disconnects; reply {"done": true}; the script exits.
"""
import hashlib
import json
import os
import sys
import threading

import socketio

out_lock = threading.Lock()


def out(obj):
    line = json.dumps(obj, separators=(',', ':'))
    with out_lock:
        sys.stdout.write(line + '\n')
        sys.stdout.flush()


def summarize(v):
    if isinstance(v, (bytes, bytearray)):
        return {'$bytes': len(v), 'sha256': hashlib.sha256(v).hexdigest()}
    if isinstance(v, str) and len(v) > 4096:
        return {'$str': len(v), 'sha256': hashlib.sha256(v.encode('utf-8')).hexdigest()}
    if isinstance(v, dict):
        return {k: summarize(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [summarize(x) for x in v]
    return v


def expand(v):
    if isinstance(v, dict):
        if '$repeat' in v:
            return v['$repeat'] * v['n']
        if '$bytes' in v:
            return bytes(i % 251 for i in range(v['$bytes']))
        return {k: expand(x) for k, x in v.items()}
    if isinstance(v, list):
        return [expand(x) for x in v]
    return v


def main():
    opts = json.loads(sys.argv[1])
    sio = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1,
                          randomization_factor=0, handle_sigint=False)

    @sio.event
    def connect():
        out({'type': 'connect', 'transport': sio.transport()})

    @sio.event
    def connect_error(data):
        out({'type': 'connect_error', 'data': summarize(data)})

    @sio.event
    def disconnect():
        out({'type': 'disconnect'})

    for name in opts.get('events', []):
        sio.on(name, (lambda n: lambda *args: out(
            {'type': 'event', 'event': n, 'data': summarize(args[0] if len(args) == 1 else list(args))}))(name))

    try:
        sio.connect(opts['url'], auth={'token': opts['token']}, transports=opts['transports'],
                    wait_timeout=5)
    except socketio.exceptions.ConnectionError as e:
        out({'type': 'connect_failed', 'message': str(e)})
        return 1

    for line in sys.stdin:
        if not line.strip():
            continue
        c = json.loads(line)
        cid = c.get('id')
        if c['cmd'] == 'emit':
            data = expand(c.get('data'))
            if c.get('ack'):
                def run(c=c, cid=cid, data=data):
                    try:
                        res = sio.call(c['event'], data, timeout=c.get('timeout', 10))
                        out({'type': 'reply', 'id': cid, 'ack': summarize(res)})
                    except socketio.exceptions.TimeoutError:
                        out({'type': 'reply', 'id': cid, 'timeout': True})
                    except Exception as e:  # not connected and the like
                        out({'type': 'reply', 'id': cid, 'error': repr(e)})
                threading.Thread(target=run, daemon=True).start()
            else:
                sio.emit(c['event'], data)
                out({'type': 'reply', 'id': cid, 'sent': True})
        elif c['cmd'] == 'state':
            out({'type': 'reply', 'id': cid, 'connected': sio.connected,
                 'transport': sio.transport() if sio.connected else None,
                 'eio_state': sio.eio.state})
        elif c['cmd'] == 'disconnect':
            sio.disconnect()
            out({'type': 'reply', 'id': cid, 'done': True})
            break
    else:  # stdin closed: the test is gone
        sio.disconnect()
    return 0


if __name__ == '__main__':
    code = main()
    sys.stdout.flush()
    os._exit(code)  # reconnect and read-loop threads must not keep the process alive
