// The TCP Bypass page: reads this app's REST API (relative to /onos/tcp-bypass/ui/) every few seconds and
// releases connections through it. Plain browser JavaScript: no framework, nothing loaded from elsewhere.
(function () {
    'use strict';

    var POLL_MILLIS = 3000;
    var API = '../';
    var LIVE = ['PROXIED', 'OFFLOADING', 'BYPASSED'];
    var STATES = ['PROXIED', 'OFFLOADING', 'BYPASSED', 'RELEASED', 'FAILED'];
    var records = [];
    var refreshes = 0;
    var timer = null;

    function $(id) {
        return document.getElementById(id);
    }

    function bytes(n) {
        var units = ['B', 'kB', 'MB', 'GB', 'TB'];
        var i = 0;
        while (n >= 1000 && i < units.length - 1) {
            n /= 1000;
            i++;
        }
        return (i === 0 ? n : n.toPrecision(3).replace(/\.?0+$/, '')) + ' ' + units[i];
    }

    function age(ms) {
        var s = Math.max(0, Math.floor(ms / 1000));
        var pad = function (v) { return (v < 10 ? '0' : '') + v; };
        if (s < 60) {
            return s + 's';
        }
        if (s < 3600) {
            return Math.floor(s / 60) + 'm ' + pad(s % 60) + 's';
        }
        if (s < 86400) {
            return Math.floor(s / 3600) + 'h ' + pad(Math.floor(s / 60) % 60) + 'm';
        }
        return Math.floor(s / 86400) + 'd ' + pad(Math.floor(s / 3600) % 24) + 'h';
    }

    function endpoint(e) {
        return e.ip + ':' + e.port;
    }

    function status(text, error) {
        var s = $('status');
        s.textContent = text;
        s.className = error ? 'error' : '';
    }

    // Resolves with the JSON body of a 2xx answer; rejects with the app's error message otherwise.
    function request(method, path) {
        return fetch(API + path, {method: method, headers: {'Accept': 'application/json'}, cache: 'no-store'})
            .then(function (response) {
                return response.text().then(function (text) {
                    var body = null;
                    try {
                        body = text ? JSON.parse(text) : null;
                    } catch (e) {
                        body = null;
                    }
                    if (!response.ok) {
                        var why = body && body.message ? body.message : text;
                        throw new Error(method + ' ' + path + ' answered ' + response.status + ': ' + why);
                    }
                    return {status: response.status, body: body};
                });
            });
    }

    function showStatistics(s) {
        STATES.forEach(function (state) {
            $('count-' + state.toLowerCase()).textContent = s.countByState[state] || 0;
        });
        $('bytes-bypassed').textContent = bytes(s.bytesBypassed);
        $('hand-offs').textContent = s.handOffs;
        $('hand-off-latency').textContent = s.handOffs === 0 ? '\u2013'
            : s.handOffP50Millis + ' / ' + s.handOffP99Millis + ' ms';
    }

    function cell(row, text, className) {
        var td = document.createElement('td');
        td.textContent = text;
        if (className) {
            td.className = className;
        }
        row.appendChild(td);
        return td;
    }

    function showRecords() {
        var showEnded = $('show-ended').checked;
        var now = Date.now();
        var body = document.querySelector('#connections tbody');
        body.textContent = '';
        var shown = records.filter(function (r) {
            return showEnded || LIVE.indexOf(r.state) >= 0;
        });
        shown.forEach(function (r) {
            var row = document.createElement('tr');
            row.className = 'state-' + r.state.toLowerCase();
            row.dataset.id = r.id;
            cell(row, r.id);
            cell(row, r.state, 'state');
            cell(row, endpoint(r.client) + ' \u2192 ' + endpoint(r.vip));
            cell(row, endpoint(r.proxyAddress) + ' \u2192 ' + endpoint(r.server));
            cell(row, r.proxy);
            cell(row, r.deviceId);
            cell(row, bytes(r.bytesToServer + r.bytesToClient), 'number');
            cell(row, age(now - r.created), 'number');
            cell(row, r.reason || '', 'reason');
            var actions = cell(row, '');
            if (LIVE.indexOf(r.state) >= 0) {
                var button = document.createElement('button');
                button.textContent = 'Release';
                button.dataset.release = r.id;
                button.addEventListener('click', function () {
                    release(r.id, button);
                });
                actions.appendChild(button);
            }
            body.appendChild(row);
        });
        $('empty').hidden = shown.length > 0;
    }

    // note: what a release came to, shown instead of the time of the update
    function refresh(note) {
        clearTimeout(timer);
        return Promise.all([request('GET', 'offloads'), request('GET', 'statistics')])
            .then(function (answers) {
                records = answers[0].body.offloads;
                showRecords();
                showStatistics(answers[1].body);
                if (note) {
                    status(note.text, note.error);
                } else {
                    status('updated ' + new Date().toLocaleTimeString());
                }
            })
            .catch(function (e) {
                status(e.message, true);
            })
            .then(function () {
                refreshes++;
                document.body.dataset.refreshes = refreshes;
                clearTimeout(timer);
                timer = setTimeout(function () { refresh(); }, POLL_MILLIS);
            });
    }

    function release(id, button) {
        button.disabled = true;
        request('DELETE', 'offloads/' + encodeURIComponent(id))
            .then(function (answer) {
                return {text: 'Connection ' + id + (answer.status === 202 ? ' is being released' : ' released')};
            }, function (e) {
                return {text: e.message, error: true};
            })
            .then(refresh);
    }

    $('show-ended').addEventListener('change', showRecords);
    refresh();
}());
