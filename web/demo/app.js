// senna demo client: example code for senna's public API.
//
//  - REST (SPEC §3 and docs/api.md): GET /api/list (inbox, with each chat's `unread` count),
//    GET /api/{user|topic}/{id}?before=<seq> (history by cursor, older pages on demand),
//    POST /api/{type}/{id} (send), POST /api/{type}/{id}/{message_id} (edit, "seen"),
//    DELETE /api/{type}/{id}/{message_id}, POST /api/{type}/{id}/read (read cursor),
//    GET /api/{type}/{id}/read (everyone's read cursor). The token goes in X-Auth-Token.
//  - Socket.IO (SPEC §5), with the official socket.io-client: the token in `auth`, then the
//    events new-message, update-message, delete-message, typing, read (someone read up to a
//    seq) and unread (our own badge changed); typing and join-topic are emitted by the client.
//  - POST /demo/token is the demo's only private route: it signs a token for any user, which a
//    real platform would do after its own login.
//
// Plain browser JavaScript, no build step. User data only ever goes in through textContent.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);

  // ---- state ---------------------------------------------------------------------------------
  const state = {
    token: null,
    me: null,          // { id, username } from the token's claims
    socket: null,
    chat: null,        // the open chat: { type: 'user'|'topic', id }
    messages: new Map(), // id -> MESSAGE of the open chat
    reads: new Map(),    // user id -> the seq they have read up to, in the open chat
    older: null,         // the cursor of the open chat's older page (`before`), or null
    names: new Map(),    // user id -> username, learnt from history and the inbox
    editing: null,       // id of the message the composer edits, or null
    typingTimer: null,   // hides the typing indicator
    lastTypingSent: 0,   // throttles our own typing events
    mintedWith: null,    // { user_id, username } when the token came from /demo/token
  };

  // ---- helpers -------------------------------------------------------------------------------

  // The claims of a JWT, for display only (the server verifies it; the browser cannot).
  function claimsOf(token) {
    const part = token.split('.')[1] || '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(decodeURIComponent(escape(json)));
  }

  // "42" -> 42, "alice" -> "alice": ids that are numbers travel as numbers, as in SPEC §2.
  function asId(text) {
    const t = String(text).trim();
    return /^[1-9][0-9]{0,15}$/.test(t) ? Number(t) : t;
  }

  const sameId = (a, b) => String(a) === String(b);
  const authorOf = (m) => (m.author && typeof m.author === 'object' ? m.author.id : m.author);
  const nameOf = (id) => state.names.get(String(id)) || `user ${id}`;
  const chatPath = (chat) => `/api/${chat.type}/${encodeURIComponent(chat.id)}`;
  const isOpen = (chat) => state.chat && chat && state.chat.type === chat.type && sameId(state.chat.id, chat.id);

  function showError(el, message) {
    el.textContent = message || '';
    el.hidden = !message;
  }

  // One REST call with the token; resolves to the JSON body or throws the API's error message.
  async function api(method, path, body) {
    const headers = { 'X-Auth-Token': state.token };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.message || `${method} ${path}: HTTP ${res.status}`);
    return json;
  }

  // ---- signing in ----------------------------------------------------------------------------

  async function mintToken(userId, username) {
    const res = await fetch('/demo/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user_id: userId, username: username || undefined }),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.message || `POST /demo/token: HTTP ${res.status}`);
    return json.token;
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const userId = asId($('user-id').value);
    const username = $('username').value.trim();
    try {
      const token = await mintToken(userId, username);
      state.mintedWith = { userId, username };
      await start(token);
    } catch (err) {
      showError($('login-error'), err.message);
    }
  });

  $('token-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await start($('token-input').value.trim());
    } catch (err) {
      showError($('login-error'), err.message);
    }
  });

  async function start(token) {
    const claims = claimsOf(token);
    state.token = token;
    state.me = { id: claims.user_id, username: claims.username || `user ${claims.user_id}` };
    state.names.set(String(state.me.id), state.me.username);
    await api('GET', '/api/'); // throws when senna refuses the token
    $('login').hidden = true;
    $('app').hidden = false;
    $('whoami').hidden = false;
    $('whoami').textContent = `${state.me.username} (id ${state.me.id})`;
    connect();
    await loadInbox();
  }

  // ---- realtime ------------------------------------------------------------------------------

  function setConnection(text, cls) {
    $('connection').textContent = text;
    $('connection').className = `status ${cls}`;
  }

  function connect() {
    // Same origin: io() talks to the server that served this page, at /socket.io/.
    const socket = io({ auth: { token: state.token } });
    state.socket = socket;

    socket.on('connect', () => {
      setConnection('live', 'online');
      if (state.me) scheduleInbox(); // whatever arrived while we were away
      if (state.chat && state.chat.type === 'topic') socket.emit('join-topic', { id: state.chat.id });
    });
        // The server ended the session (a moderator, the Admin UI): socket.io-client does not
    // reconnect by itself then. Otherwise (network, restart) it reconnects.
    socket.on('disconnect', (reason) => setConnection(
      reason === 'io server disconnect' ? `disconnected by the server${state.kicked ? `: ${state.kicked}` : ''}` : 'reconnecting…',
      'offline'));
    socket.on('kicked', (k) => { state.kicked = k.reason || k.message; });
    socket.on('connect_error', (err) => setConnection(`refused: ${err.message}`, 'offline'));

    // MESSAGE + "chat": {type, id} as seen by us (for a DM, id is the other user).
    socket.on('new-message', (m) => {
      if (isOpen(m.chat)) upsertMessage(m);
      if (isOpen(m.chat) && !sameId(authorOf(m), state.me.id)) {
        hideTyping();
        markRead(); // the chat is open in front of us: read
      }
      scheduleInbox();
    });
    socket.on('update-message', (m) => {
      if (isOpen(m.chat)) upsertMessage(m);
      scheduleInbox();
    });
    socket.on('delete-message', ({ id, chat }) => {
      if (isOpen(chat)) {
        state.messages.delete(id);
        document.querySelector(`#messages li[data-id="${CSS.escape(id)}"]`)?.remove();
        showReads();
      }
      scheduleInbox();
    });
    // {user_id, seq, chat}: someone read one of our chats up to `seq`.
    socket.on('read', ({ user_id: who, seq, chat }) => {
      if (!isOpen(chat) || sameId(who, state.me.id)) return;
      state.reads.set(String(who), seq);
      showReads();
    });
    // {chat, unread, total}: our own unread count changed (we read on another device).
    socket.on('unread', ({ chat, unread }) => setBadge(chat, unread));
    // {user_id, chat}: someone else is typing in one of our chats.
    socket.on('typing', ({ user_id: who, chat }) => {
      if (!isOpen(chat) || sameId(who, state.me.id)) return;
      $('typing').textContent = `${nameOf(who)} is typing…`;
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(hideTyping, 3000);
    });
    // The token runs out: a demo token is re-minted and handed over without reconnecting.
    socket.on('token-expired', async () => {
      if (!state.mintedWith) return;
      const token = await mintToken(state.mintedWith.userId, state.mintedWith.username);
      state.token = token;
      socket.auth = { token };
      socket.emit('refresh-token', { token });
    });
  }

  function hideTyping() {
    clearTimeout(state.typingTimer);
    $('typing').textContent = '';
  }

  // ---- the inbox -----------------------------------------------------------------------------

  let inboxTimer = null;
  function scheduleInbox() {
    clearTimeout(inboxTimer);
    // A refresh that fails (senna restarting, network gone) is dropped quietly: the socket's
    // next 'connect' refreshes again.
    inboxTimer = setTimeout(() => loadInbox().catch(() => {}), 150);
  }

  async function loadInbox() {
    const { entries } = await api('GET', '/api/list?per_page=50');
    const list = $('inbox');
    list.replaceChildren();
    for (const entry of entries) {
      // entry: {type, id, latest, timestamp, user | topic}
      if (entry.user && entry.user.username) state.names.set(String(entry.user.id), entry.user.username);
      const li = document.createElement('li');
      li.dataset.type = entry.type;
      li.dataset.id = entry.id;
      if (isOpen(entry)) li.className = 'active';
      const title = document.createElement('strong');
      title.textContent = entry.type === 'user' ? nameOf(entry.id) : `# ${entry.id}`;
      // Messages by others after our read cursor (docs/api.md).
      const badge = document.createElement('em');
      badge.className = 'badge';
      const latest = document.createElement('span');
      const m = entry.latest;
      latest.textContent = m ? (m.type === 'image' ? '[image]' : m.text) : '';
      title.append(badge);
      li.append(title, latest);
      li.addEventListener('click', () => openChat({ type: entry.type, id: entry.id }));
      list.append(li);
      setBadge(entry, entry.unread);
    }
  }

  function setBadge(chat, unread) {
    const li = [...$('inbox').children].find((x) => x.dataset.type === chat.type && sameId(x.dataset.id, chat.id));
    const badge = li && li.querySelector('.badge');
    if (!badge) return;
    badge.textContent = unread > 0 ? String(unread) : '';
    badge.hidden = !(unread > 0);
  }

  // ---- one chat ------------------------------------------------------------------------------

  $('open-form').addEventListener('submit', (e) => {
    e.preventDefault();
    openChat({ type: $('open-type').value, id: asId($('open-id').value) });
  });

  async function openChat(chat) {
    if (state.chat && state.chat.type === 'topic' && !isOpen(chat)) state.socket.emit('leave-topic', { id: state.chat.id });
    state.chat = chat;
    state.messages.clear();
    state.reads.clear();
    state.older = null;
    stopEditing();
    hideTyping();
    showError($('chat-error'), '');
    $('messages').replaceChildren();
    $('composer').hidden = false;
    $('mark-seen').hidden = false;
    $('chat-title').textContent = chat.type === 'user' ? nameOf(chat.id) : `# ${chat.id}`;
    // Topic events go to the room topic-<id>, which a socket joins on request.
    if (chat.type === 'topic') state.socket.emit('join-topic', { id: chat.id });
    try {
      // The newest page by cursor; inside it messages run oldest to newest. `state.older` is
      // the cursor of the page before it, which new messages never shift.
      const history = await loadPage(chat, 'before');
      if (!isOpen(chat)) return;
      if (chat.type === 'user' && history.entry.username) {
        state.names.set(String(chat.id), history.entry.username);
        $('chat-title').textContent = history.entry.username;
      }
      // Where everyone else has read up to, then our own cursor moves to the end.
      const { reads } = await api('GET', `${chatPath(chat)}/read`);
      for (const r of reads) if (!sameId(r.user_id, state.me.id)) state.reads.set(String(r.user_id), r.seq);
      showReads();
      await markRead();
    } catch (err) {
      showError($('chat-error'), err.message);
    }
    loadInbox();
    $('message-text').focus();
  }

  // One page of history older than `state.older` (the newest page first).
  async function loadPage(chat, dir) {
    const cursor = state.older === null ? '' : state.older;
    const page = await api('GET', `${chatPath(chat)}?${dir}=${cursor}&limit=30`);
    if (!isOpen(chat)) return page;
    for (const m of page.messages) {
      if (m.author && m.author.username) state.names.set(String(m.author.id), m.author.username);
      upsertMessage(m, { scroll: state.older === null });
    }
    state.older = page.state.prev; // null once the oldest message is shown
    $('load-older').hidden = state.older === null;
    return page;
  }

  $('load-older').addEventListener('click', () => {
    if (state.chat && state.older !== null)
      loadPage(state.chat, 'before').then(showReads).catch((err) => showError($('chat-error'), err.message));
  });

  // We have read the open chat to its end: {} moves our cursor to its newest message.
  async function markRead() {
    if (!state.chat) return;
    try {
      await api('POST', `${chatPath(state.chat)}/read`, {});
    } catch (err) {
      showError($('chat-error'), err.message);
    }
  }

  // "read by X" under the newest message by someone else than X that X has read.
  function showReads() {
    for (const el of document.querySelectorAll('#messages .read-mark')) el.remove();
    const items = [...document.querySelectorAll('#messages li.message')];
    for (const [who, seq] of state.reads) {
      const last = items.filter((li) => Number(li.dataset.seq) <= seq && !sameId(li.dataset.author, who)).pop();
      if (!last) continue;
      const mark = document.createElement('div');
      mark.className = 'read-mark';
      mark.textContent = `read by ${nameOf(who)}`;
      last.append(mark);
    }
  }

  // Adds or replaces one message in the list (history, our own sends and live events alike),
  // kept in seq order.
  function upsertMessage(m, { scroll = true } = {}) {
    state.messages.set(m.id, m);
    const mine = sameId(authorOf(m), state.me.id);
    const li = document.createElement('li');
    li.dataset.id = m.id;
    li.dataset.seq = m.seq;
    li.dataset.author = authorOf(m);
    li.className = `message ${mine ? 'mine' : 'theirs'}`;

    const body = document.createElement('div');
    body.className = 'body';
    if (m.type === 'image') {
      const img = document.createElement('img');
      // Web addresses and inline images only (no javascript: or other schemes).
      if (/^(https?:\/\/|data:image\/)/i.test(m.image)) img.src = m.image;
      img.alt = m.image;
      body.append(img);
    } else {
      body.textContent = m.text;
    }

    const meta = document.createElement('div');
    meta.className = 'meta';
    const parts = [nameOf(authorOf(m)), new Date(m.timestamp.epoch).toLocaleTimeString()];
    if (m.edited) parts.push('edited');
    meta.textContent = parts.join(' · ');
    if (m.status === 'seen') {
      const seen = document.createElement('span');
      seen.className = 'seen';
      seen.textContent = ' · ✓ seen';
      meta.append(seen);
    }
    if (mine) {
      const actions = document.createElement('span');
      actions.className = 'actions';
      const edit = document.createElement('button');
      edit.type = 'button';
      edit.className = 'edit';
      edit.textContent = 'Edit';
      edit.addEventListener('click', () => startEditing(m.id));
      const del = document.createElement('button');
      del.type = 'button';
      del.className = 'delete';
      del.textContent = 'Delete';
      del.addEventListener('click', () => removeMessage(m.id));
      actions.append(edit, del);
      meta.append(actions);
    }
    li.append(body, meta);

    const old = document.querySelector(`#messages li[data-id="${CSS.escape(m.id)}"]`);
    if (old) {
      old.replaceWith(li);
      showReads();
    } else {
      const next = [...$('messages').children].find((x) => Number(x.dataset.seq) > m.seq);
      $('messages').insertBefore(li, next || null);
    }
    if (scroll) li.scrollIntoView({ block: 'nearest' });
  }

  // ---- writing -------------------------------------------------------------------------------

  async function send(body) {
    showError($('chat-error'), '');
    try {
      // 201 {state, entry}; the same entry also arrives as new-message, upsert keeps one copy.
      const { entry } = await api('POST', chatPath(state.chat), body);
      upsertMessage(entry);
    } catch (err) {
      showError($('chat-error'), err.message);
    }
  }

  $('composer').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = $('message-text').value;
    if (!text.trim()) return;
    if (state.editing) {
      await saveEdit(state.editing, text);
    } else {
      await send({ type: 'text', text });
    }
    $('message-text').value = '';
  });

  $('send-image').addEventListener('click', async () => {
    const image = $('image-url').value.trim();
    if (!image) return;
    await send({ type: 'image', image }); // SPEC §3: {"type": "image", "image": "<url>"}
    $('image-url').value = '';
  });

  // Typing: a `typing` event at most every 2 s while keys are pressed; not stored.
  $('message-text').addEventListener('input', () => {
    const now = Date.now();
    if (!state.chat || !state.socket || now - state.lastTypingSent < 2000) return;
    state.lastTypingSent = now;
    state.socket.emit('typing', { to: { type: state.chat.type, id: state.chat.id } });
  });

  // Editing goes through the composer: Edit fills it, Send saves, Escape cancels.
  function startEditing(id) {
    const m = state.messages.get(id);
    if (!m) return;
    state.editing = id;
    $('composer-mode').hidden = false;
    $('composer-mode').textContent = 'Editing a message (Escape cancels)';
    $('message-text').value = m.type === 'image' ? m.image : m.text;
    $('send').textContent = 'Save';
    $('message-text').focus();
  }

  function stopEditing() {
    state.editing = null;
    $('composer-mode').hidden = true;
    $('send').textContent = 'Send';
  }

  $('message-text').addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && state.editing) {
      stopEditing();
      $('message-text').value = '';
    }
  });

  async function saveEdit(id, value) {
    const m = state.messages.get(id);
    stopEditing();
    if (!m) return;
    try {
      // Only the author may change the content: {text} or {image}, by the message's type.
      const body = m.type === 'image' ? { image: value } : { text: value };
      const { entry } = await api('POST', `${chatPath(state.chat)}/${m.id}`, body);
      upsertMessage(entry);
    } catch (err) {
      showError($('chat-error'), err.message);
    }
  }

  async function removeMessage(id) {
    try {
      await api('DELETE', `${chatPath(state.chat)}/${id}`);
      state.messages.delete(id);
      document.querySelector(`#messages li[data-id="${CSS.escape(id)}"]`)?.remove();
      showReads();
    } catch (err) {
      showError($('chat-error'), err.message);
    }
  }

  // "Seen": {"status": "seen"} on every message of the others not yet seen.
  $('mark-seen').addEventListener('click', async () => {
    const unseen = [...state.messages.values()].filter((m) => !sameId(authorOf(m), state.me.id) && m.status !== 'seen');
    for (const m of unseen) {
      try {
        const { entry } = await api('POST', `${chatPath(state.chat)}/${m.id}`, { status: 'seen' });
        upsertMessage(entry);
      } catch (err) {
        showError($('chat-error'), err.message);
      }
    }
  });
})();
