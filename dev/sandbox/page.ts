/**
 * The sandbox page: one self-contained HTML document (CSS and vanilla JS inline), exported as a
 * string so it is found the same way under tsx and in the compiled `dist/`. Message bodies arrive
 * from `/sandbox/api/state` already rendered (and escaped) by `block-html.ts`; the script only
 * inserts that HTML and escapes everything else it writes itself.
 */

const STYLE = `
:root {
  --bg: #ffffff; --fg: #1d1c1d; --muted: #616061; --line: #e3e3e3; --hover: #f8f8f8;
  --side-bg: #3f0e40; --side-fg: #d7c9d8; --side-active: #1164a3; --side-head: #350d36;
  --code-bg: #f6f6f6; --code-fg: #c01343; --mention-bg: #e8f5fa; --mention-fg: #1264a3;
  --primary: #007a5a; --danger: #e01e5a; --eph: #f4f9fc; --shadow: 0 8px 30px rgba(0,0,0,.25);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #1a1d21; --fg: #d1d2d3; --muted: #9a9b9d; --line: #35373b; --hover: #222529;
    --side-bg: #19171d; --side-fg: #bcabbc; --side-active: #1164a3; --side-head: #121016;
    --code-bg: #232529; --code-fg: #e8912d; --mention-bg: #1d2f3e; --mention-fg: #5db3ee;
    --eph: #1d2329;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 15px/1.46668 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--fg); background: var(--bg); display: grid; grid-template-columns: 240px 1fr; grid-template-rows: 44px 1fr; }
#topbar { grid-column: 1 / 3; background: var(--side-head); color: #fff; display: flex; align-items: center;
  padding: 0 14px; gap: 12px; }
#topbar .brand { font-weight: 700; letter-spacing: .2px; }
#topbar .badge { font-size: 11px; background: #e8912d; color: #1d1c1d; border-radius: 4px; padding: 1px 6px; font-weight: 700; }
#topbar .spacer { flex: 1; }
#topbar .as { font-size: 13px; opacity: .8; }
.switch { display: flex; background: rgba(255,255,255,.12); border-radius: 8px; padding: 2px; }
.switch button { border: 0; background: transparent; color: #fff; padding: 4px 10px; border-radius: 6px; cursor: pointer; font-size: 13px; }
.switch button.active { background: #fff; color: #1d1c1d; font-weight: 600; }
#sidebar { background: var(--side-bg); color: var(--side-fg); padding: 12px 0; overflow-y: auto; }
#sidebar h2 { font-size: 13px; font-weight: 600; margin: 12px 16px 4px; opacity: .8; }
#sidebar .ws { color: #fff; font-size: 17px; font-weight: 800; margin: 0 16px 10px; }
#sidebar a { display: block; padding: 3px 16px; color: inherit; text-decoration: none; cursor: pointer; }
#sidebar a.active { background: var(--side-active); color: #fff; }
#sidebar a:hover:not(.active) { background: rgba(255,255,255,.06); }
#sidebar .tips { margin: 18px 16px; font-size: 12px; line-height: 1.5; opacity: .75; }
#sidebar .tips code { color: #fff; background: rgba(255,255,255,.1); border-radius: 3px; padding: 0 3px; }
#main { display: flex; flex-direction: column; min-height: 0; }
#chanhead { border-bottom: 1px solid var(--line); padding: 10px 20px; }
#chanhead .name { font-weight: 800; font-size: 18px; }
#chanhead .topic { color: var(--muted); font-size: 13px; }
#messages { flex: 1; overflow-y: auto; padding: 8px 0 16px; }
.msg { display: grid; grid-template-columns: 36px 1fr; gap: 8px; padding: 6px 20px; }
.msg:hover { background: var(--hover); }
.msg.ephemeral { background: var(--eph); }
.avatar { width: 36px; height: 36px; border-radius: 6px; display: flex; align-items: center; justify-content: center;
  color: #fff; font-weight: 700; font-size: 14px; }
.avatar.bot { background: linear-gradient(135deg, #ff9900, #d45b07); }
.avatar.u0 { background: #2eb67d; } .avatar.u1 { background: #36c5f0; }
.meta { display: flex; gap: 8px; align-items: baseline; }
.meta .who { font-weight: 900; }
.meta .app { font-size: 10px; background: var(--line); color: var(--muted); border-radius: 3px; padding: 0 4px; font-weight: 700; }
.meta .when, .meta .edited, .meta .only { color: var(--muted); font-size: 12px; }
.body { min-width: 0; overflow-wrap: anywhere; }
.block { margin: 2px 0; }
.block.header { font-weight: 900; font-size: 17px; margin: 4px 0; }
.block.divider { border: 0; border-top: 1px solid var(--line); margin: 8px 0; }
.block.section { display: flex; gap: 12px; align-items: flex-start; }
.section-main { flex: 1; min-width: 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin-top: 4px; }
.block.context { color: var(--muted); font-size: 13px; display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: center; }
.block.context .dot { display: none; }
.block.actions { display: flex; flex-wrap: wrap; gap: 8px; margin: 6px 0; }
.btn { font: inherit; font-size: 14px; font-weight: 700; padding: 3px 12px; border-radius: 4px; cursor: pointer;
  border: 1px solid var(--line); background: var(--bg); color: var(--fg); text-decoration: none; display: inline-block; }
.btn:hover { background: var(--hover); }
.btn-primary { background: var(--primary); border-color: var(--primary); color: #fff; }
.btn-primary:hover { background: #148567; }
.btn-danger { background: var(--bg); border-color: var(--danger); color: var(--danger); }
.btn[disabled] { opacity: .5; cursor: progress; }
.chip { font-size: 13px; border: 1px dashed var(--line); border-radius: 4px; padding: 2px 8px; color: var(--muted); }
code { font: 12px/1.4 Monaco, Menlo, Consolas, monospace; background: var(--code-bg); color: var(--code-fg);
  border: 1px solid var(--line); border-radius: 3px; padding: 1px 3px; }
pre { font: 12px/1.5 Monaco, Menlo, Consolas, monospace; background: var(--code-bg); border: 1px solid var(--line);
  border-radius: 4px; padding: 8px; white-space: pre-wrap; margin: 4px 0; }
code.slash { color: var(--fg); font-size: 13px; }
.mention { background: var(--mention-bg); color: var(--mention-fg); border-radius: 3px; padding: 0 2px; }
.quote { display: block; border-left: 4px solid var(--line); padding-left: 10px; }
.image-alt { color: var(--muted); font-style: italic; }
a { color: var(--mention-fg); }
.thread { margin: 6px 0 0; border-left: 2px solid var(--line); padding-left: 8px; }
.thread .toggle { font-size: 13px; color: var(--mention-fg); cursor: pointer; font-weight: 700; background: none; border: 0; padding: 0; }
.thread .msg { padding: 4px 0; grid-template-columns: 24px 1fr; }
.thread .avatar { width: 24px; height: 24px; font-size: 11px; border-radius: 4px; }
.thread.collapsed .msg { display: none; }
.empty { color: var(--muted); padding: 24px 20px; }
.empty h3 { color: var(--fg); margin: 0 0 6px; }
#composer-wrap { padding: 0 20px 16px; }
#chips { display: flex; gap: 6px; flex-wrap: wrap; margin-bottom: 6px; }
#chips button { font-size: 12px; border: 1px solid var(--line); background: var(--bg); color: var(--muted); border-radius: 12px;
  padding: 2px 10px; cursor: pointer; }
#chips button:hover { color: var(--fg); }
#composer-form { display: flex; border: 1px solid #868686; border-radius: 8px; overflow: hidden; background: var(--bg); }
#composer { flex: 1; border: 0; padding: 11px 12px; font: inherit; background: transparent; color: var(--fg); outline: none; }
#composer-form button { border: 0; background: var(--primary); color: #fff; font-weight: 700; padding: 0 16px; cursor: pointer; }
#status { font-size: 12px; color: var(--muted); min-height: 18px; padding-top: 4px; }
#status.error { color: var(--danger); }
#modal-back { position: fixed; inset: 0; background: rgba(0,0,0,.45); display: none; align-items: center; justify-content: center; }
#modal-back.open { display: flex; }
#modal { background: var(--bg); color: var(--fg); width: min(520px, 92vw); border-radius: 8px; box-shadow: var(--shadow); }
#modal header { padding: 18px 24px 10px; font-size: 20px; font-weight: 800; }
#modal .content { padding: 0 24px 12px; max-height: 60vh; overflow-y: auto; }
#modal footer { display: flex; justify-content: flex-end; gap: 8px; padding: 14px 24px; border-top: 1px solid var(--line); }
.input-block { margin: 10px 0; }
.input-label { display: block; font-weight: 700; margin-bottom: 4px; }
.optional { font-weight: 400; color: var(--muted); }
.input { width: 100%; font: inherit; padding: 8px; border: 1px solid #868686; border-radius: 4px; background: var(--bg); color: var(--fg); }
.input-error { color: var(--danger); font-size: 13px; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var USER_KEY = 'amibot-sandbox-user';
  var me = localStorage.getItem(USER_KEY) || 'USANDREQ';
  var current = 'CSANDBOX';
  var state = null;
  var collapsed = {};
  var refreshing = false, again = false, timer = null;
  var $ = function (id) { return document.getElementById(id); };

  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"'\\x60]/g, function (c) {
      return '&#' + c.charCodeAt(0) + ';';
    });
  }
  function initials(name) {
    return esc(String(name).replace(/[^A-Za-z ]/g, '').trim().split(/\\s+/).map(function (w) { return w[0]; }).join('').slice(0, 2).toUpperCase() || '?');
  }
  function time(at) {
    var d = new Date(at);
    return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }
  function status(text, isError) {
    var el = $('status');
    el.textContent = text || '';
    el.className = isError ? 'error' : '';
  }
  function api(path, body) {
    return fetch('/sandbox/api/' + path, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }

  function avatar(item, small) {
    if (item.bot) return '<div class="avatar bot" title="amibot">A</div>';
    var idx = state && state.users ? state.users.findIndex(function (u) { return u.id === item.authorId; }) : 0;
    return '<div class="avatar u' + (idx < 0 ? 0 : idx % 2) + '">' + initials(item.author) + '</div>';
  }

  function renderItem(item, channel) {
    var cls = 'msg' + (item.kind === 'ephemeral' ? ' ephemeral' : '') + (item.kind === 'command' ? ' command' : '');
    var meta = '<div class="meta"><span class="who">' + esc(item.author) + '</span>' +
      (item.bot ? '<span class="app">APP</span>' : '') +
      '<span class="when">' + esc(time(item.at)) + '</span>' +
      (item.edited ? '<span class="edited">(edited)</span>' : '') +
      (item.kind !== 'message' ? '<span class="only">Only visible to you</span>' : '') + '</div>';
    var thread = '';
    if (item.replies && item.replies.length) {
      var isCollapsed = !!collapsed[item.ts];
      thread = '<div class="thread' + (isCollapsed ? ' collapsed' : '') + '" data-thread="' + esc(item.ts) + '">' +
        '<button class="toggle" data-toggle="' + esc(item.ts) + '">' + item.replies.length +
        (item.replies.length === 1 ? ' reply' : ' replies') + (isCollapsed ? ' ▸' : ' ▾') + '</button>' +
        item.replies.map(function (r) { return renderItem(r, channel); }).join('') + '</div>';
    }
    return '<div class="' + cls + '" data-kind="' + esc(item.kind) + '" data-ts="' + esc(item.ts) +
      '" data-channel="' + esc(channel) + '">' + avatar(item) + '<div class="body">' + meta + item.html + thread + '</div></div>';
  }

  function renderEmpty() {
    var h = state.hints || {};
    return '<div class="empty"><h3>Welcome to the amibot sandbox 👋</h3>' +
      '<p>This is the real bot running against a pretend Slack and a pretend AWS. Type a command below, e.g. ' +
      '<code>/ami find ubuntu 24.04</code>, <code>/ami list</code>' +
      (h.ownImage ? ', <code>/ami show ' + esc(h.ownImage) + '</code> or <code>/ami share ' + esc(h.ownImage) + ' --with 333333333333</code>' : '') +
      '. Requests go to this channel for approval: switch to the approver at the top right to approve them.</p></div>';
  }

  function render() {
    if (!state) return;
    var switchEl = $('switch');
    switchEl.innerHTML = state.users.map(function (u) {
      return '<button data-user="' + esc(u.id) + '" class="' + (u.id === me ? 'active' : '') + '" title="' + esc(u.role) + '">' + esc(u.name) + '</button>';
    }).join('');
    var chans = state.channels;
    if (!chans.some(function (c) { return c.id === current; })) current = chans[0].id;
    $('channels').innerHTML = chans.filter(function (c) { return !c.dm; }).map(function (c) {
      return '<a data-channel="' + esc(c.id) + '" class="' + (c.id === current ? 'active' : '') + '"># ' + esc(c.name) + '</a>';
    }).join('');
    $('dms').innerHTML = chans.filter(function (c) { return c.dm; }).map(function (c) {
      return '<a data-channel="' + esc(c.id) + '" class="' + (c.id === current ? 'active' : '') + '">● ' + esc(c.name) + '</a>';
    }).join('') || '<a class="none" style="opacity:.6">● amibot</a>';
    var chan = chans.find(function (c) { return c.id === current; });
    $('chan-name').textContent = (chan.dm ? '' : '# ') + chan.name;
    $('chan-topic').textContent = chan.topic || '';
    var list = $('messages');
    var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    list.innerHTML = chan.items.length ? chan.items.map(function (i) { return renderItem(i, chan.id); }).join('') : renderEmpty();
    if (nearBottom || list.dataset.lastCount !== String(chan.items.length)) list.scrollTop = list.scrollHeight;
    list.dataset.lastCount = String(chan.items.length);
    renderModal();
  }

  function renderModal() {
    var back = $('modal-back');
    var m = state.modal;
    if (!m) { back.className = ''; back.dataset.view = ''; return; }
    if (back.dataset.view === m.viewId && back.className === 'open') return;
    back.dataset.view = m.viewId;
    $('modal-title').innerHTML = m.title;
    $('modal-content').innerHTML = m.html;
    $('modal-submit').innerHTML = m.submit || 'Submit';
    $('modal-submit').style.display = m.submit ? '' : 'none';
    $('modal-close').innerHTML = m.close || 'Cancel';
    back.className = 'open';
    var first = $('modal-content').querySelector('textarea, input');
    if (first) first.focus();
  }

  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch('/sandbox/api/state?user=' + encodeURIComponent(me), { cache: 'no-store' })
      .then(function (r) { return r.json(); })
      .then(function (s) { if (s && s.channels) { state = s; render(); document.body.dataset.version = String(s.version); } })
      .catch(function () { status('Lost the sandbox server; retrying…', true); })
      .then(function () { refreshing = false; if (again) { again = false; refresh(); } });
  }
  function soon() { clearTimeout(timer); timer = setTimeout(refresh, 40); }

  function send(text) {
    text = text.trim();
    if (!text) return;
    if (!/^\\/?ami(\\s|$)/.test(text)) {
      if (text.charAt(0) === '/') { status('Only /ami exists in this sandbox.', true); return; }
      text = '/ami ' + text;
    }
    status('Sending ' + text + ' …');
    api('command', { user: me, channel: current.charAt(0) === 'D' ? 'CSANDBOX' : current, text: text }).then(function (r) {
      status(r.status === 200 ? '' : 'The app answered HTTP ' + r.status + (r.error ? ': ' + r.error : ''), r.status !== 200);
    }).catch(function (e) { status(String(e), true); });
    soon();
  }

  document.addEventListener('click', function (ev) {
    var t = ev.target.closest ? ev.target : ev.target.parentElement;
    var userBtn = t.closest('[data-user]');
    if (userBtn && userBtn.closest('#switch')) {
      me = userBtn.dataset.user; localStorage.setItem(USER_KEY, me); $('modal-back').dataset.view = ''; refresh(); return;
    }
    var chan = t.closest('#sidebar a[data-channel]');
    if (chan) { current = chan.dataset.channel; render(); return; }
    var toggle = t.closest('[data-toggle]');
    if (toggle) { collapsed[toggle.dataset.toggle] = !collapsed[toggle.dataset.toggle]; render(); return; }
    var chip = t.closest('#chips button');
    if (chip) { $('composer').value = chip.dataset.cmd; $('composer').focus(); return; }
    var btn = t.closest('button[data-action-id]');
    if (btn && !btn.closest('#modal')) {
      var msg = btn.closest('.msg');
      btn.disabled = true;
      status('Clicked ' + btn.textContent + ' …');
      api('action', { user: me, channel: msg.dataset.channel, messageTs: msg.dataset.ts, actionId: btn.dataset.actionId,
        value: btn.dataset.value, blockId: btn.dataset.blockId })
        .then(function (r) { status(r.ok && r.status === 200 ? '' : 'Click failed: ' + (r.error || ('HTTP ' + r.status)), !(r.ok && r.status === 200)); })
        .catch(function (e) { status(String(e), true); })
        .then(function () { btn.disabled = false; soon(); });
    }
  });

  $('composer-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('composer');
    send(input.value);
    input.value = '';
  });

  $('modal-close').addEventListener('click', function () {
    var id = $('modal-back').dataset.view;
    $('modal-back').className = '';
    api('view/close', { viewId: id }).then(soon);
  });
  $('modal-submit').addEventListener('click', function () {
    var id = $('modal-back').dataset.view;
    var values = {};
    $('modal-content').querySelectorAll('[data-block-id][data-action-id]').forEach(function (el) {
      if (el.tagName !== 'INPUT' && el.tagName !== 'TEXTAREA') return;
      values[el.dataset.blockId] = values[el.dataset.blockId] || {};
      values[el.dataset.blockId][el.dataset.actionId] = el.value;
    });
    $('modal-submit').disabled = true;
    api('view', { user: me, viewId: id, values: values }).then(function (r) {
      $('modal-submit').disabled = false;
      $('modal-content').querySelectorAll('.input-error').forEach(function (e) { e.textContent = ''; });
      if (r.errors) {
        Object.keys(r.errors).forEach(function (blockId) {
          var block = $('modal-content').querySelector('.input-block[data-block-id="' + CSS.escape(blockId) + '"] .input-error');
          if (block) block.textContent = r.errors[blockId];
        });
        return;
      }
      if (r.ok) { $('modal-back').className = ''; }
      else status('The app answered HTTP ' + r.status, true);
      soon();
    }).catch(function (e) { $('modal-submit').disabled = false; status(String(e), true); });
  });

  function connect() {
    if (!window.EventSource) { setInterval(refresh, 1500); return; }
    var es = new EventSource('/sandbox/api/events');
    es.onmessage = soon;
    es.onerror = function () { status('Reconnecting…'); };
    es.onopen = function () { status(''); soon(); };
  }
  setInterval(refresh, 5000);
  connect();
  refresh();
})();
`;

export const SANDBOX_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>amibot sandbox</title>
<style>${STYLE}</style>
</head>
<body>
<header id="topbar">
  <span class="brand">amibot</span><span class="badge">SANDBOX</span>
  <span class="spacer"></span>
  <span class="as">You are</span>
  <div class="switch" id="switch"></div>
</header>
<nav id="sidebar">
  <div class="ws">Acme Platform</div>
  <h2>Channels</h2>
  <div id="channels"></div>
  <h2>Direct messages</h2>
  <div id="dms"></div>
  <div class="tips">Local sandbox: the real bot, a pretend Slack, a pretend AWS (accounts <code>sandbox</code> and
    <code>sandbox-prod</code>; us-east-1, eu-west-1, eu-central-1). Nothing here touches a real workspace or account.</div>
</nav>
<main id="main">
  <div id="chanhead"><div class="name" id="chan-name"># sandbox</div><div class="topic" id="chan-topic"></div></div>
  <div id="messages" aria-live="polite"></div>
  <div id="composer-wrap">
    <div id="chips">
      <button data-cmd="/ami help">/ami help</button>
      <button data-cmd="/ami find ubuntu 24.04 arm64">find ubuntu 24.04 arm64</button>
      <button data-cmd="/ami find windows 2022 --region eu-west-1">find windows 2022</button>
      <button data-cmd="/ami list">list</button>
      <button data-cmd="/ami list --account sandbox-prod">list --account sandbox-prod</button>
      <button data-cmd="/ami prune --family app-web --keep 3">prune --family app-web --keep 3</button>
      <button data-cmd="/ami orphans">orphans</button>
      <button data-cmd="/ami cost --by family">cost --by family</button>
      <button data-cmd="/ami access">access</button>
      <button data-cmd="/ami access --with 444455556666">access --with 444455556666</button>
      <button data-cmd="/ami requests">requests</button>
      <button data-cmd="/ami golden">golden</button>
    </div>
    <form id="composer-form" autocomplete="off">
      <input id="composer" name="text" placeholder="Message #sandbox — try /ami find ubuntu 24.04" aria-label="Message">
      <button type="submit">Send</button>
    </form>
    <div id="status"></div>
  </div>
</main>
<div id="modal-back"><div id="modal" role="dialog" aria-modal="true">
  <header id="modal-title"></header>
  <div class="content" id="modal-content"></div>
  <footer><button class="btn" id="modal-close" type="button">Cancel</button><button class="btn btn-primary" id="modal-submit" type="button">Submit</button></footer>
</div></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
