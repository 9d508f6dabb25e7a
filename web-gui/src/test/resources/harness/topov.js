// Fakes of TopoOverlayService, WebSocketService and NavService; once the overlay has registered, the harness
// activates it, presses its detail-panel button for a switch and deactivates it, logging what the overlay does.
(function () {
    'use strict';

    var log = [];

    function record(line) {
        log.push(line);
        document.getElementById('harness-log').textContent = log.join('\n');
    }

    angular.module('topovHarness', ['ovTcpBypassTopov'])
        .factory('TopoOverlayService', function () {
            return {
                register: function (overlay) {
                    record('registered ' + overlay.overlayId + ' glyph ' + overlay.glyphId +
                        ' buttons ' + Object.keys(overlay.buttons).join(','));
                    setTimeout(function () {
                        overlay.activate();
                        overlay.buttons.showTcpBypasses.cb({ id: 'device:bmv2:s1' });
                        overlay.deactivate();
                        document.body.setAttribute('data-harness', 'done');
                    }, 0);
                }
            };
        })
        .factory('WebSocketService', function () {
            return {
                sendEvent: function (type, payload) {
                    record('sent ' + type + ' ' + JSON.stringify(payload || {}));
                }
            };
        })
        .factory('NavService', function () {
            return {
                navTo: function (path, query) {
                    record('navTo ' + path + ' ' + JSON.stringify(query));
                }
            };
        });
}());
