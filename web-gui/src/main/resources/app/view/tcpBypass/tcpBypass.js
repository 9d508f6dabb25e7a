// TCP Bypass table view: proxied and bypassed connections, live from the switch's bypass counters.
(function () {
    'use strict';

    var refreshEvent = 'tcpBypassRefresh',
        releaseReq = 'tcpBypassReleaseRequest',
        releaseResp = 'tcpBypassReleaseResponse',
        finalStates = ['released', 'failed'];

    angular.module('ovTcpBypass', [])
        .run(['IconService', function (is) {
            is.registerIconMapping('nav_tcpBypass', 'chain');
        }])

        .controller('OvTcpBypassCtrl',
            ['$log', '$scope', '$location', 'TableBuilderService',
                'WebSocketService', 'FlashService',

            function ($log, $scope, $location, tbs, wss, flash) {
                var params = $location.search(),
                    handlers = {};

                $scope.devId = params.devId;
                $scope.filter = { text: '', state: '' };
                $scope.releaseTip = 'Release the selected connection';

                function selectedRow() {
                    var found = null;
                    ($scope.tableData || []).forEach(function (row) {
                        if (row.id === $scope.selId) {
                            found = row;
                        }
                    });
                    return found;
                }

                $scope.releasable = function () {
                    var row = selectedRow();
                    return !!row && finalStates.indexOf(row.state.toLowerCase()) < 0;
                };

                $scope.releaseSelected = function () {
                    if ($scope.releasable()) {
                        wss.sendEvent(releaseReq, { id: String($scope.selId) });
                    }
                };

                $scope.applyFilter = function () {
                    $scope.payloadParams = {
                        filter: $scope.filter.text,
                        stateFilter: $scope.filter.state
                    };
                    $scope.sortCallback();
                };

                // The server pushes a refresh, at most twice a second, whenever a record changes.
                handlers[refreshEvent] = function () {
                    if ($scope.autoRefresh) {
                        $scope.sortCallback();
                    }
                };
                handlers[releaseResp] = function (data) {
                    flash.flash(data.released ?
                        'Connection ' + data.id + ' ' + data.state.toLowerCase() :
                        'Release of ' + data.id + ' refused: ' + data.error);
                    $scope.sortCallback();
                };
                wss.bindHandlers(handlers);

                tbs.buildTable({
                    scope: $scope,
                    tag: 'tcpBypass',
                    query: params
                });

                $scope.$on('$destroy', function () {
                    wss.unbindHandlers(handlers);
                });

                $log.log('OvTcpBypassCtrl has been created');
            }]);
}());
