// drowse loading page: follows the service's wake over SSE and opens the app when it is ready.
// Everything the server sends is shown with textContent, never parsed as HTML.
(function () {
  'use strict';

  var root = document.getElementById('drowse');
  if (!root) return;
  var service = root.getAttribute('data-service') || '';
  var expectedMs = Number(root.getAttribute('data-expected-ms')) || 0;
  var progress = document.getElementById('progress');
  var statusText = document.getElementById('status');
  var elapsed = document.getElementById('elapsed');
  var errorBox = document.getElementById('error');
  var errorText = document.getElementById('error-text');
  var retry = document.getElementById('retry');
  var retryNote = document.getElementById('retry-note');
  var depsList = document.querySelector('[data-step="dependencies"] .deps');
  var order = ['waking', 'dependencies', 'starting', 'probing', 'ready'];
  var stepOf = {
    waking: 'waking',
    dependency_waking: 'dependencies',
    dependency_ready: 'dependencies',
    starting: 'starting',
    started: 'starting',
    probing: 'probing',
    ready: 'ready',
  };
  var openedAt = Date.now();
  var current = 'waking';
  var finished = false;
  var source;
  var clock;

  // A service that reports ready but keeps sending us back here (an app that crashes right after
  // its port opens) must not turn into a reload loop: at most 3 loads in 30 s, then say so.
  var LOOP_KEY = 'drowse-loads:' + service;
  var LOOP_WINDOW_MS = 30000;
  var LOOP_MAX = 3;

  function recentLoads() {
    try {
      var raw = JSON.parse(sessionStorage.getItem(LOOP_KEY) || '[]');
      return raw.filter(function (t) { return typeof t === 'number' && Date.now() - t < LOOP_WINDOW_MS; });
    } catch {
      return [];
    }
  }

  function rememberLoad() {
    var loads = recentLoads();
    loads.push(Date.now());
    try { sessionStorage.setItem(LOOP_KEY, JSON.stringify(loads)); } catch { /* private mode: no guard */ }
  }

  function step(name) {
    return document.querySelector('[data-step="' + name + '"]');
  }

  function setStatus(li, status) {
    if (!li) return;
    li.setAttribute('data-status', status);
    if (status === 'active') li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }

  // Marks every step before `name` done (or skipped, when it never ran) and `name` active.
  function advance(name) {
    var target = order.indexOf(name);
    if (target < 0) return;
    for (var i = 0; i < order.length; i++) {
      var li = step(order[i]);
      if (!li) continue;
      var st = li.getAttribute('data-status');
      if (i < target && st !== 'done') setStatus(li, st === 'pending' ? 'skipped' : 'done');
      if (i === target && st !== 'done') setStatus(li, 'active');
    }
    current = name;
    render();
  }

  function render() {
    var seconds = Math.floor((Date.now() - openedAt) / 1000);
    if (elapsed) elapsed.textContent = 'Elapsed ' + seconds + ' s';
    if (!progress || finished) return;
    var done = order.indexOf(current) / (order.length - 1);
    var byTime = expectedMs > 0 ? Math.min(0.95, (Date.now() - openedAt) / expectedMs) : 0;
    progress.value = Math.round(Math.max(done, byTime) * 100);
  }

  function say(text) {
    if (statusText && text) statusText.textContent = text;
  }

  function fail(message, detail, retryAt) {
    finished = true;
    var li = step(current);
    setStatus(li, 'failed');
    root.setAttribute('data-outcome', 'error');
    say(message);
    if (errorText) errorText.textContent = detail || message;
    if (errorBox) errorBox.hidden = false;
    if (source) source.close();
    holdRetry(Date.parse(retryAt || root.getAttribute('data-retry-at') || ''));
    if (retry) retry.focus();
  }

  // After failures drowse backs off: a try before retryAt would wake nothing, so the button waits.
  var retryTimer;
  var retryHeld = false;
  function holdRetry(retryAt) {
    if (!retry || !retryNote) return;
    clearInterval(retryTimer);
    function tick() {
      var left = Math.ceil((retryAt - Date.now()) / 1000);
      if (!(left > 0)) {
        clearInterval(retryTimer);
        retryHeld = false;
        retry.removeAttribute('aria-disabled');
        retryNote.hidden = true;
        return;
      }
      // aria-disabled, not disabled: the button keeps the focus and is announced, and a press waits.
      retryHeld = true;
      retry.setAttribute('aria-disabled', 'true');
      retryNote.hidden = false;
      retryNote.textContent = 'The next try can start in ' + left + ' s.';
    }
    tick();
    retryTimer = setInterval(tick, 500);
  }

  function ready() {
    finished = true;
    advance('ready');
    setStatus(step('ready'), 'done');
    if (progress) progress.value = 100;
    if (source) source.close();
    if (recentLoads().length >= LOOP_MAX) {
      fail(service + ' says it is ready, but keeps sending this page back.',
        'The app may be exiting right after it starts. Check its logs, then try again.');
      return;
    }
    say(service + ' is ready. Opening it…');
    // Same URL: the request now reaches the app; replace() keeps this page out of the history.
    location.replace(location.href);
  }

  function onEvent(msg) {
    var ev;
    try { ev = JSON.parse(msg.data); } catch { return; }
    if (!ev || typeof ev.type !== 'string' || finished) return;
    if (ev.type === 'dependency_waking' || ev.type === 'dependency_ready') showDependency(ev);
    if (ev.type === 'started') setStatus(step('starting'), 'done');
    if (stepOf[ev.type]) advance(stepOf[ev.type]);
    if (ev.type === 'ready') return ready();
    if (ev.type === 'error') return fail(String(ev.message || 'Could not wake ' + service), String(ev.error || ev.message || ''), ev.retry_at);
    if (ev.type === 'asleep') return fail(service + ' went back to sleep.', 'Try again to wake it.');
    say(String(ev.message || ''));
  }

  function showDependency(ev) {
    var li = step('dependencies');
    if (!li || !depsList) return;
    li.hidden = false;
    var name = String(ev.dependency || ev.message || '');
    var item = null;
    var items = depsList.children;
    for (var i = 0; i < items.length; i++) if (items[i].getAttribute('data-dep') === name) item = items[i];
    if (!item) {
      item = document.createElement('li');
      item.setAttribute('data-dep', name);
      depsList.appendChild(item);
    }
    item.textContent = String(ev.message || name);
  }

  function connect() {
    if (!window.EventSource) {
      // No SSE: fall back to what <noscript> does.
      setTimeout(function () { location.reload(); }, 3000);
      return;
    }
    source = new EventSource('/__drowse/events');
    source.onmessage = onEvent;
    source.onerror = function () {
      // EventSource retries by itself; CLOSED means drowse answered with something that is not a stream.
      if (source.readyState === EventSource.CLOSED && !finished) setTimeout(function () { location.reload(); }, 5000);
      else if (!finished) say('Lost the connection to drowse; reconnecting…');
    };
  }

  if (retry) {
    retry.addEventListener('click', function () {
      if (retryHeld) return;
      // Forget the loop guard: a person asked for another try.
      try { sessionStorage.removeItem(LOOP_KEY); } catch { /* ignore */ }
      location.reload();
    });
  }
  // A page restored from the back/forward cache shows a stale wake; load it afresh.
  window.addEventListener('pageshow', function (e) { if (e.persisted) location.reload(); });

  rememberLoad();
  render();
  clock = setInterval(function () { if (finished) clearInterval(clock); else render(); }, 500);
  connect();
})();
