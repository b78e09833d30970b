#!/usr/bin/python3
"""Speaks raw Engine.IO v4 / Socket.IO v5 frames to senna with Debian's python3-websocket
(websocket-client 1.2), for the frame-level cases the Socket.IO clients never produce:
fragmented messages with a control frame between the fragments, single frames over 64 KiB
(64-bit length), and protocol violations. Reports one JSON object a line on stdout.

    argv[1]: {"url": "http://host:port", "token", "scenario", ...}

Scenarios:
    fragmented  send-message as three text fragments with a ping between them, then a binary
                event whose attachment is two binary fragments: {"type": "pong"} and
                {"type": "ack", "id", "data"} for each.
    large       a 900,000-character send-message in one text frame and a 900,000-byte binary
                attachment in one binary frame: an "ack" each.
    receive     waits for one "new-message" event: {"type": "event", "event", "data"}.
    violation   "kind": rsv1 | unmasked | bad_utf8 | too_big: sends that frame and reports
                {"type": "closed", "close_code" (null: no close frame), "tcp_closed", "ms"}.
    idle        "mode": noread (never reads, so never answers the close frame), answer
                (answers the close frame, keeps the TCP connection open) or answer_close
                (answers it and closes TCP); reports {"type": "ready"} and, when it reads
                one, {"type": "close_frame", "close_code"}.
Long strings (over 4096 characters) are reported as {"$str": length, "sha256": hex}.
"""
import hashlib
import json
import os
import socket
import struct
import sys
import time

import websocket
from websocket import ABNF


def out(obj):
    sys.stdout.write(json.dumps(obj, separators=(',', ':')) + '\n')
    sys.stdout.flush()


def summarize(v):
    if isinstance(v, str) and len(v) > 4096:
        return {'$str': len(v), 'sha256': hashlib.sha256(v.encode('utf-8')).hexdigest()}
    if isinstance(v, dict):
        return {k: summarize(x) for k, x in v.items()}
    if isinstance(v, list):
        return [summarize(x) for x in v]
    return v


def connect(opts):
    url = opts['url'].replace('http://', 'ws://') + '/socket.io/?EIO=4&transport=websocket'
    ws = websocket.create_connection(url, timeout=15)
    opened = ws.recv()
    assert opened.startswith('0{'), opened
    ws.send('40' + json.dumps({'token': opts['token']}))
    connected = ws.recv()
    assert connected.startswith('40{'), connected
    out({'type': 'connect', 'open': json.loads(opened[1:]), 'connect': json.loads(connected[2:])})
    return ws


def frame(opcode, data, fin=1, rsv1=0, mask=1):
    if isinstance(data, str):
        data = data.encode('utf-8')
    return ABNF(fin, rsv1, 0, 0, opcode, mask, data)


def next_message(ws):
    """The next data message; answers Engine.IO pings, reports WebSocket pongs."""
    while True:
        opcode, f = ws.recv_data_frame(True)
        if opcode == ABNF.OPCODE_PONG:
            out({'type': 'pong', 'data': f.data.decode('utf-8', 'replace')})
            continue
        if opcode == ABNF.OPCODE_CLOSE:
            raise ConnectionError('close frame')
        if opcode in (ABNF.OPCODE_TEXT, ABNF.OPCODE_CONT) and isinstance(f.data, bytes):
            text = f.data.decode('utf-8')
        else:
            text = f.data
        if text == '2':
            ws.send('3')
            continue
        return text


def wait_ack(ws, ack_id):
    prefix = '43' + str(ack_id)
    while True:
        m = next_message(ws)
        if m.startswith(prefix + '['):
            out({'type': 'ack', 'id': ack_id, 'data': summarize(json.loads(m[len(prefix):]))})
            return


def send_message(to_id, text, **extra):
    return {'to': {'type': 'topic', 'id': to_id}, 'type': 'text', 'text': text, **extra}


def fragmented(ws, opts):
    topic = opts['topic']
    # 1. A text message in three fragments, split inside a multi-byte character, with a ping
    # control frame between the first and second fragment (RFC 6455 5.4 allows it).
    body = ('421' + json.dumps(['send-message', send_message(topic, opts['text'])],
                               ensure_ascii=False)).encode('utf-8')
    cut1 = body.index('€'.encode('utf-8')) + 1  # inside the euro sign's three bytes
    cut2 = cut1 + (len(body) - cut1) // 2
    ws.send_frame(frame(ABNF.OPCODE_TEXT, body[:cut1], fin=0))
    ws.send_frame(frame(ABNF.OPCODE_PING, 'between', fin=1))
    ws.send_frame(frame(ABNF.OPCODE_CONT, body[cut1:cut2], fin=0))
    ws.send_frame(frame(ABNF.OPCODE_CONT, body[cut2:], fin=1))
    wait_ack(ws, 1)
    # 2. A binary event: its attachment in two binary fragments.
    head = '451-2' + json.dumps(['send-message', send_message(
        topic, 'with attachment', blob={'_placeholder': True, 'num': 0})])
    blob = bytes(i % 251 for i in range(100000))
    ws.send(head)
    ws.send_frame(frame(ABNF.OPCODE_BINARY, blob[:40000], fin=0))
    ws.send_frame(frame(ABNF.OPCODE_CONT, blob[40000:], fin=1))
    wait_ack(ws, 2)


def large(ws, opts):
    topic = opts['topic']
    n = opts.get('n', 900000)
    ws.send_frame(frame(ABNF.OPCODE_TEXT, '423' + json.dumps(
        ['send-message', send_message(topic, 'x' * n)])))
    wait_ack(ws, 3)
    ws.send('451-4' + json.dumps(['send-message', send_message(
        topic, 'big attachment', blob={'_placeholder': True, 'num': 0})]))
    ws.send_frame(frame(ABNF.OPCODE_BINARY, bytes(i % 251 for i in range(n))))
    wait_ack(ws, 4)


def receive(ws, opts):
    out({'type': 'ready'})
    while True:
        m = next_message(ws)
        if m.startswith('42['):
            ev = json.loads(m[2:])
            out({'type': 'event', 'event': ev[0], 'data': summarize(ev[1])})
            return


def violation(ws, opts):
    kind = opts['kind']
    event = '42' + json.dumps(['typing', {'to': {'type': 'topic', 'id': 1}}])
    started = time.monotonic()
    try:
        if kind == 'rsv1':
            ws.send_frame(frame(ABNF.OPCODE_TEXT, event, rsv1=1))
        elif kind == 'unmasked':
            ws.send_frame(frame(ABNF.OPCODE_TEXT, event, mask=0))
        elif kind == 'bad_utf8':
            ws.send_frame(frame(ABNF.OPCODE_TEXT, b'42["typing","\xc3\x28\xff"]'))
        elif kind == 'too_big':
            ws.send_frame(frame(ABNF.OPCODE_TEXT, '4' + 'y' * opts['size']))
        else:
            raise ValueError(kind)
    except (BrokenPipeError, ConnectionResetError, websocket.WebSocketConnectionClosedException):
        pass  # the server may close while a large frame is still going out
    close_code = None
    reason = None
    tcp_closed = False
    others = []
    ws.sock.settimeout(opts.get('wait', 5))
    try:
        while True:
            # Raw reads: websocket-client would answer a close frame itself.
            f = ws.frame_buffer.recv_frame()
            if f.opcode == ABNF.OPCODE_CLOSE:
                if len(f.data) >= 2:
                    close_code = struct.unpack('!H', f.data[:2])[0]
                    reason = f.data[2:].decode('utf-8', 'replace')
                else:
                    close_code = 1005
                break
            others.append(f.opcode)
        # After the close frame the server ends the TCP connection.
        while True:
            if not ws.sock.recv(65536):
                tcp_closed = True
                break
    except (websocket.WebSocketConnectionClosedException, ConnectionResetError, OSError) as e:
        tcp_closed = not isinstance(e, socket.timeout)
    out({'type': 'closed', 'close_code': close_code, 'reason': reason, 'tcp_closed': tcp_closed,
         'other_opcodes': others, 'ms': round((time.monotonic() - started) * 1000)})


def idle(ws, opts):
    mode = opts['mode']
    out({'type': 'ready'})
    if mode == 'noread':
        while True:
            time.sleep(3600)
    ws.sock.settimeout(None)
    while True:
        opcode, f = ws.recv_data_frame(True)  # answers a close frame itself (send_close)
        if opcode == ABNF.OPCODE_CLOSE:
            code = struct.unpack('!H', f.data[:2])[0] if len(f.data) >= 2 else 1005
            out({'type': 'close_frame', 'close_code': code})
            break
        if opcode == ABNF.OPCODE_TEXT and f.data in (b'2', '2'):
            ws.send('3')
    if mode == 'answer_close':
        ws.shutdown()
        out({'type': 'tcp_closed'})
    while True:
        time.sleep(3600)


def main():
    opts = json.loads(sys.argv[1])
    ws = connect(opts)
    {'fragmented': fragmented, 'large': large, 'receive': receive, 'violation': violation,
     'idle': idle}[opts['scenario']](ws, opts)
    out({'type': 'done'})
    return 0


if __name__ == '__main__':
    try:
        code = main()
    except Exception as e:  # reported, so the test shows what went wrong
        out({'type': 'error', 'message': repr(e)})
        code = 1
    sys.stdout.flush()
    os._exit(code)
