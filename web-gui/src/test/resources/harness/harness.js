// Minimal fakes of the ONOS UI framework services the TCP Bypass view injects (IconService, FlashService,
// WebSocketService, TableBuilderService). The "server" answers each request with the payload the real Java
// message handler produced for the test (window.harnessReplies, from sample.js).
(function () {
    'use strict';

    var log = [],
        scenario = (window.location.search.match(/scenario=(\w+)/) || [])[1] || 'interact';

    function record(line) {
        log.push(line);
        document.getElementById('harness-log').textContent = log.join('\n');
    }

    function rows() {
        return document.querySelectorAll('tr.tcp-bypass-row');
    }

    function click(el) {
        el.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    }

    function rowWithId(id) {
        return Array.prototype.filter.call(rows(), function (tr) {
            return tr.cells[0].textContent === id;
        })[0];
    }

    angular.module('harness', ['ovTcpBypass'])
        .factory('IconService', function () {
            return {
                registerIconMapping: function (iconId, glyphId) {
                    record('icon ' + iconId + ' -> ' + glyphId);
                }
            };
        })
        .factory('FlashService', function () {
            return {
                flash: function (msg) {
                    record('flash ' + msg);
                }
            };
        })
        .factory('WebSocketService', function () {
            var handlers = {};
            return {
                bindHandlers: function (h) {
                    angular.extend(handlers, h);
                },
                unbindHandlers: function (h) {
                    Object.keys(h).forEach(function (k) {
                        delete handlers[k];
                    });
                },
                isConnected: function () {
                    return true;
                },
                sendEvent: function (type, payload) {
                    var reply = window.harnessReplies[type];
                    record('sent ' + type + ' ' + JSON.stringify(payload || {}));
                    if (reply) {
                        setTimeout(function () {
                            handlers[reply.event](reply.payload);
                        }, 0);
                    }
                },
                push: function (type, payload) {
                    handlers[type](payload || {});
                }
            };
        })
        .factory('TableBuilderService', ['WebSocketService', function (wss) {
            return {
                buildTable: function (o) {
                    var h = {};

                    function request() {
                        wss.sendEvent(o.tag + 'DataRequest',
                            angular.extend({}, o.scope.sortParams, o.scope.payloadParams || {}, o.query));
                    }

                    h[o.tag + 'DataResponse'] = function (data) {
                        o.scope.tableData = data[o.tag + 's'];
                        o.scope.annots = data.annots;
                        o.scope.$apply();
                    };
                    wss.bindHandlers(h);
                    o.scope.tableData = [];
                    o.scope.sortParams = {};
                    o.scope.autoRefresh = true;
                    o.scope.sortCallback = request;
                    o.scope.selectCallback = function ($event, row) {
                        o.scope.selId = o.scope.selId === row.id ? null : row.id;
                    };
                    o.scope.toggleRefresh = function () {
                        o.scope.autoRefresh = !o.scope.autoRefresh;
                    };
                    request();
                    return { forceRefesh: request };
                }
            };
        }])
        // ONOS draws glyphs here; the stand-in draws a labelled button so the controls are visible.
        .directive('icon', function () {
            var symbols = { refresh: '\u21bb', stop: '\u25a0' };
            return {
                restrict: 'A',
                link: function (scope, element, attrs) {
                    element.addClass('harness-icon').text(symbols[attrs.iconId] || '?');
                }
            };
        })
        .run(['WebSocketService', function (wss) {
            if (scenario === 'shot') {
                document.body.setAttribute('data-shot', '');
            }
            // Once the rows are on the page: a server refresh push, then select a row and release it.
            var tries = 0;

            function step() {
                if (!rows().length) {
                    if (++tries < 200) {
                        setTimeout(step, 25);
                    }
                    return;
                }
                click(rowWithId('2'));
                if (scenario === 'interact') {
                    wss.push('tcpBypassRefresh');
                    setTimeout(function () {
                        click(document.getElementById('tcp-bypass-release'));
                        setTimeout(function () {
                            document.body.setAttribute('data-harness', 'done');
                        }, 50);
                    }, 50);
                } else {
                    document.body.setAttribute('data-harness', 'done');
                }
            }
            setTimeout(step, 0);
        }]);
}());
