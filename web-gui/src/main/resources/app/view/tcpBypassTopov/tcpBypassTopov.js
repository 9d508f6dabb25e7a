// TCP Bypass topology overlay: badges bypassed/proxied connection counts on switches and highlights the host
// links of bypassed connections; the highlights come from BypassTopoMessageHandler.
(function () {
    'use strict';

    var $log, wss, ns;

    var overlay = {
        // Must match BypassTopoOverlay.OVERLAY_ID.
        overlayId: 'tcpBypass-overlay',
        glyphId: 'chain',
        tooltip: 'TCP Bypass: proxied and bypassed connections',

        activate: function () {
            wss.sendEvent('tcpBypassTopoStart');
            $log.debug('TCP Bypass overlay activated');
        },
        deactivate: function () {
            wss.sendEvent('tcpBypassTopoStop');
            $log.debug('TCP Bypass overlay deactivated');
        },

        // Detail panel button; BypassTopoOverlay adds it to a switch's panel.
        buttons: {
            showTcpBypasses: {
                gid: 'chain',
                tt: 'Show TCP bypasses on this switch',
                cb: function (data) {
                    ns.navTo('tcpBypass', { devId: data.id });
                }
            }
        }
    };

    angular.module('ovTcpBypassTopov', [])
        .run(['$log', 'TopoOverlayService', 'WebSocketService', 'NavService',
            function (_$log_, tov, _wss_, _ns_) {
                $log = _$log_;
                wss = _wss_;
                ns = _ns_;
                tov.register(overlay);
            }]);
}());
