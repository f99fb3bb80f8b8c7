// The little script the pages use. Every page works without it (forms post, links navigate);
// with it: the session-timeout warning, the time zone detected from the browser, live run
// progress (server-sent events), and copy-free niceties. No inline script anywhere (CSP).
(function () {
  'use strict';

  // The time zone: detected once from the browser unless the user chose one on the account page.
  if (!/(?:^|;\s*)gxpw_tz=/.test(document.cookie)) {
    try {
      var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      if (zone) document.cookie = 'gxpw_tz=' + encodeURIComponent(zone) + '; path=/; max-age=31536000; samesite=strict';
    } catch (e) { /* the server's default zone stays */ }
  }

  // Session-timeout warning: two minutes before the idle timeout, offer to stay signed in.
  var idle = Number(document.body.getAttribute('data-idle-seconds'));
  var warning = document.getElementById('session-warning');
  if (idle > 0 && warning) {
    var warnAt, endAt, ticker;
    var countdown = warning.querySelector('[data-countdown]');
    var schedule = function () {
      clearTimeout(warnAt); clearTimeout(endAt); clearInterval(ticker);
      warning.hidden = true;
      var lead = Math.min(120, Math.floor(idle / 2));
      var deadline = Date.now() + idle * 1000;
      warnAt = setTimeout(function () {
        warning.hidden = false;
        ticker = setInterval(function () {
          var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
          if (countdown) countdown.textContent = left >= 60 ? Math.ceil(left / 60) + ' minute' + (left > 60 ? 's' : '') : left + ' seconds';
        }, 1000);
        var button = warning.querySelector('button');
        if (button) button.focus();
      }, (idle - lead) * 1000);
      endAt = setTimeout(function () {
        clearInterval(ticker);
        window.location.assign('/sign-in?next=' + encodeURIComponent(window.location.pathname + window.location.search));
      }, idle * 1000 + 2000);
    };
    var form = warning.querySelector('form');
    if (form) {
      form.addEventListener('submit', function (event) {
        event.preventDefault();
        fetch(form.action, { method: 'POST', headers: { 'Accept': 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(new FormData(form)), credentials: 'same-origin' })
          .then(function (response) { if (response.ok) schedule(); else window.location.assign('/sign-in'); })
          .catch(function () { form.submit(); });
      });
    }
    schedule();
  }

  // Live progress: an element with data-events-url follows a server-sent event stream and fills
  // in [data-field] elements; when the stream says it is finished, the page reloads to show results.
  document.querySelectorAll('[data-events-url]').forEach(function (panel) {
    if (!window.EventSource) return;
    var source = new EventSource(panel.getAttribute('data-events-url'));
    var status = panel.querySelector('[data-live-status]');
    if (status) status.textContent = 'Following live…';
    source.addEventListener('progress', function (event) {
      var data = JSON.parse(event.data);
      Object.keys(data).forEach(function (key) {
        panel.querySelectorAll('[data-field="' + key + '"]').forEach(function (element) {
          if (element.tagName === 'PROGRESS') { element.value = Number(data[key]); }
          else { element.textContent = String(data[key]); }
        });
      });
    });
    source.addEventListener('finished', function () {
      source.close();
      if (status) status.textContent = 'Finished — loading the results…';
      window.location.reload();
    });
    source.onerror = function () { if (status) status.textContent = 'Live updates paused; reload the page to see the latest.'; };
    var stop = panel.querySelector('[data-stop-watching]');
    if (stop) {
      stop.hidden = false;
      stop.addEventListener('click', function () {
        source.close();
        stop.hidden = true;
        if (status) status.textContent = 'Stopped watching. The run goes on; reload to see where it is.';
      });
    }
  });

  // Confirmation for consequential, non-signature buttons (data-confirm="…"). The server checks
  // everything anyway; this only saves a wrong click.
  document.querySelectorAll('form[data-confirm]').forEach(function (form) {
    form.addEventListener('submit', function (event) {
      if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
    });
  });
})();
