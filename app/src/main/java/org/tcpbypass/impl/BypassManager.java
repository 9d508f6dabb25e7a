package org.tcpbypass.impl;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.Maps;
import org.onlab.util.Tools;
import org.onosproject.app.ApplicationService;
import org.onosproject.app.ApplicationState;
import org.onosproject.cfg.ComponentConfigService;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.CoreService;
import org.onosproject.event.AbstractListenerManager;
import org.onosproject.mastership.MastershipService;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.device.DeviceEvent;
import org.onosproject.net.device.DeviceListener;
import org.onosproject.net.device.DeviceService;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.FlowRuleService;
import org.onosproject.net.flow.TrafficTreatment;
import org.onosproject.net.host.HostService;
import org.onosproject.net.config.ConfigFactory;
import org.onosproject.net.config.NetworkConfigEvent;
import org.onosproject.net.config.NetworkConfigListener;
import org.onosproject.net.config.NetworkConfigRegistry;
import org.onosproject.net.config.basics.SubjectFactories;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.IntentListener;
import org.onosproject.net.intent.IntentService;
import org.onosproject.net.intent.IntentState;
import org.onosproject.net.intent.Key;
import org.onosproject.net.packet.DefaultOutboundPacket;
import org.onosproject.net.packet.PacketProcessor;
import org.onosproject.net.packet.PacketService;
import org.onosproject.net.pi.service.PiPipeconfService;
import org.onosproject.net.pi.service.PiTranslationService;
import org.onosproject.p4runtime.api.P4RuntimeController;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassListener;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.BypassStore;
import org.tcpbypass.api.BypassStoreDelegate;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.api.OffloadOutcome;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.RegisteredProxy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import static java.util.concurrent.Executors.newSingleThreadScheduledExecutor;
import static org.onlab.util.Tools.groupedThreads;
import static org.slf4j.LoggerFactory.getLogger;
import static org.tcpbypass.api.BypassState.BYPASSED;
import static org.tcpbypass.api.BypassState.FAILED;
import static org.tcpbypass.api.BypassState.OFFLOADING;
import static org.tcpbypass.api.BypassState.PROXIED;
import static org.tcpbypass.api.BypassState.RELEASED;
import static org.tcpbypass.api.OffloadException.Reason.CONFLICT;
import static org.tcpbypass.api.OffloadException.Reason.KEY_REUSED;
import static org.tcpbypass.api.OffloadException.Reason.NOT_FOUND;
import static org.tcpbypass.impl.OsgiPropertyConstants.COUNTER_POLL_SECONDS;
import static org.tcpbypass.impl.OsgiPropertyConstants.COUNTER_POLL_SECONDS_DEFAULT;
import static org.tcpbypass.impl.OsgiPropertyConstants.IDLE_TIMEOUT_SECONDS;
import static org.tcpbypass.impl.OsgiPropertyConstants.IDLE_TIMEOUT_SECONDS_DEFAULT;
import static org.tcpbypass.impl.OsgiPropertyConstants.LINGER_MILLIS;
import static org.tcpbypass.impl.OsgiPropertyConstants.LINGER_MILLIS_DEFAULT;
import static org.tcpbypass.impl.OsgiPropertyConstants.OFFLOAD_TIMEOUT_SECONDS;
import static org.tcpbypass.impl.OsgiPropertyConstants.OFFLOAD_TIMEOUT_SECONDS_DEFAULT;
import static org.tcpbypass.impl.OsgiPropertyConstants.RETENTION_SECONDS;
import static org.tcpbypass.impl.OsgiPropertyConstants.RETENTION_SECONDS_DEFAULT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_GUARD;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;

/**
 * The offload service: validates proxies' offload requests, submits one bypass intent per connection, follows the
 * intents' life cycle in the connection's record, and tears bypasses down when the connection closes, idles, is
 * released, loses its switch, stays OFFLOADING too long or the application is deactivated.
 */
@Component(immediate = true, service = BypassService.class,
        property = {
                COUNTER_POLL_SECONDS + ":Integer=" + COUNTER_POLL_SECONDS_DEFAULT,
                IDLE_TIMEOUT_SECONDS + ":Integer=" + IDLE_TIMEOUT_SECONDS_DEFAULT,
                LINGER_MILLIS + ":Integer=" + LINGER_MILLIS_DEFAULT,
                RETENTION_SECONDS + ":Integer=" + RETENTION_SECONDS_DEFAULT,
                OFFLOAD_TIMEOUT_SECONDS + ":Integer=" + OFFLOAD_TIMEOUT_SECONDS_DEFAULT,
        })
public class BypassManager extends AbstractListenerManager<BypassEvent, BypassListener> implements BypassService {

    /** Application name, also the netcfg subject. */
    public static final String APP_NAME = "org.tcpbypass";

    static final String DEVICE_REMOVED = "device removed";
    static final String INTENT_FAILED = "the switch did not take the bypass entries (intent failed)";
    static final String WITHDRAWN = "bypass entries withdrawn";
    static final String CLOSED_BY_PROXY = "closed while proxied";
    static final String SUPERSEDED = "superseded by a new connection on the same leg";
    static final String APP_DEACTIVATED = "app deactivated";
    static final String INTENT_LOST = "its bypass intent was gone when the app was activated";
    /** The HTTP header carrying a proxy's idempotency key, as messages name it. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    // A first request holds its key without a record only between two store operations.
    private static final long FIRST_REQUEST_WAIT_MILLIS = 2_000;
    // Holds a cancelled idempotency key: no record ever has this id (ids count up from 0).
    static final BypassId CANCELLED_KEY = BypassId.of(Long.MAX_VALUE);
    // Legs are left claimed only when an instance fails half way through; a slow sweep is enough.
    private static final long SWEEP_MINUTES = 10;
    // A switch that does not answer the final counter read within this holds a release no longer.
    private static final long FINAL_READ_MILLIS = 1_000;

    private final Logger log = getLogger(getClass());

    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected CoreService coreService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected IntentService intentService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected ApplicationService applicationService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected DeviceService deviceService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected HostService hostService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected FlowRuleService flowRuleService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected PacketService packetService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected NetworkConfigRegistry configRegistry;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected ComponentConfigService cfgService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected MastershipService mastershipService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected PiPipeconfService pipeconfService;
    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected BypassStore store;
    // Optional: without them a released bypass's final counters come from the flow rule store.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    protected volatile P4RuntimeController p4RuntimeController;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    protected volatile PiTranslationService piTranslationService;

    /** Time source, ms since the epoch; tests replace it. */
    LongSupplier clock = System::currentTimeMillis;

    /** Seconds between reads of the bypass counters (idle detection, record counters, purge). */
    private int counterPollSeconds = COUNTER_POLL_SECONDS_DEFAULT;
    /**
     * Seconds a bypass may carry no packet before it is released (default five days, as conntrack keeps an idle
     * established connection), unless the netcfg says otherwise.
     */
    private int idleTimeoutSeconds = IDLE_TIMEOUT_SECONDS_DEFAULT;
    /** Milliseconds a bypass stays after both FINs or a RST, unless the netcfg says otherwise. */
    private int lingerMillis = LINGER_MILLIS_DEFAULT;
    /** Seconds released and failed records are kept, unless the netcfg says otherwise. */
    private int retentionSeconds = RETENTION_SECONDS_DEFAULT;
    /** Seconds a record may stay OFFLOADING before it fails and its entries are withdrawn. */
    private int offloadTimeoutSeconds = OFFLOAD_TIMEOUT_SECONDS_DEFAULT;

    private final ConfigFactory<ApplicationId, BypassConfig> configFactory =
            new ConfigFactory<>(SubjectFactories.APP_SUBJECT_FACTORY, BypassConfig.class, BypassConfig.KEY) {
                @Override
                public BypassConfig createConfig() {
                    return new BypassConfig();
                }
            };
    private final NetworkConfigListener configListener = new InternalConfigListener();
    private final IntentListener intentListener = new InternalIntentListener();
    private final DeviceListener deviceListener = new InternalDeviceListener();
    private final BypassStoreDelegate delegate = this::storeEvent;
    private final Map<BypassId, String> releaseReasons = new ConcurrentHashMap<>();
    private final Map<BypassId, List<Waiter>> waiting = new ConcurrentHashMap<>();
    // OFFLOADING records by id, with when they entered the state, so the timeout needs no store read.
    private final Map<BypassId, Long> offloading = new ConcurrentHashMap<>();
    // Final records by the time they ended, so a purge touches only what it removes.
    private final Queue<Bypass> retired = new PriorityBlockingQueue<>(
            64, Comparator.comparingLong(Bypass::updated));
    // Keys this instance cancelled, oldest first, freed after the records' retention.
    private final Queue<CancelledKey> cancelledKeys = new ConcurrentLinkedQueue<>();

    private volatile Settings settings;
    private ApplicationId appId;
    private OffloadValidator validator;
    private CloseWatcher closeWatcher;
    private IdleMonitor idleMonitor;
    private SwitchCounters switchCounters;
    private SwitchAnomalies switchAnomalies;
    ScheduledExecutorService executor;
    private ScheduledFuture<?> pollTask;

    @Activate
    protected void activate(ComponentContext context) {
        appId = coreService.registerApplication(APP_NAME);
        executor = newSingleThreadScheduledExecutor(groupedThreads("onos/tcp-bypass", "manager", log));
        settings = new Settings(ImmutableMap.of(), null);
        validator = new OffloadValidator(() -> settings.proxies, deviceService, hostService, pipeconfService);
        closeWatcher = new CloseWatcher(store, this::connectionEnded, this::connectionReplaced);
        idleMonitor = new IdleMonitor(store, flowRuleService, mastershipService, appId, this::probe,
                                      this::connectionEnded);
        switchCounters = new SwitchCounters(() -> p4RuntimeController, () -> piTranslationService, pipeconfService,
                                            configRegistry, FINAL_READ_MILLIS);
        switchAnomalies = new SwitchAnomalies(switchCounters, FINAL_READ_MILLIS);
        cfgService.registerProperties(getClass());
        eventDispatcher.addSink(BypassEvent.class, listenerRegistry);
        store.setDelegate(delegate);
        configRegistry.registerConfigFactory(configFactory);
        configRegistry.addListener(configListener);
        loadConfig();
        intentService.addListener(intentListener);
        deviceService.addListener(deviceListener);
        packetService.addProcessor(closeWatcher, PacketProcessor.director(1));
        for (Bypass b : store.all()) {
            if (b.state().isFinal()) {
                retired.add(b);
            } else {
                follow(b);
            }
        }
        modified(context);
        executor.execute(this::reconcile);
        executor.scheduleWithFixedDelay(this::sweepLegs, SWEEP_MINUTES, SWEEP_MINUTES, TimeUnit.MINUTES);
        log.info("Started {}", appId.id());
    }

    @Deactivate
    protected void deactivate() {
        packetService.removeProcessor(closeWatcher);
        deviceService.removeListener(deviceListener);
        intentService.removeListener(intentListener);
        executor.shutdownNow();
        // An instance shutting down leaves the app ACTIVE: the bypasses stay for the instances that remain
        // (or for this one's return). Only a deactivated or uninstalled app takes everything with it.
        if (applicationService.getState(appId) != ApplicationState.ACTIVE) {
            removeEverything();
        }
        configRegistry.removeListener(configListener);
        configRegistry.unregisterConfigFactory(configFactory);
        store.unsetDelegate(delegate);
        eventDispatcher.removeSink(BypassEvent.class);
        cfgService.unregisterProperties(getClass(), false);
        waiting.values().forEach(l -> l.forEach(w -> w.future.cancel(false)));
        waiting.clear();
        retired.clear();
        offloading.clear();
        log.info("Stopped");
    }

    // Ends every live record, withdraws (or purges) every intent of the app and removes its flow rules at once:
    // ONOS cleans up nothing for a deactivated app, and a withdrawal still pending when the bundle goes must not
    // leave entries behind.
    private void removeEverything() {
        int ended = 0;
        for (Bypass b : store.all()) {
            if (!b.state().isFinal()) {
                end(b.id(), b.state() == OFFLOADING ? FAILED : RELEASED, APP_DEACTIVATED);
                ended++;
            }
        }
        int intents = 0;
        for (Intent intent : intentService.getIntentsByAppId(appId)) {
            withdrawOrPurge(intent);
            intents++;
        }
        flowRuleService.removeFlowRulesById(appId);
        log.info("Deactivated: ended {} live records, withdrew {} intents, removed the app's flow rules",
                 ended, intents);
    }

    private void withdrawOrPurge(Intent intent) {
        IntentState state = intentService.getIntentState(intent.key());
        if (state == IntentState.WITHDRAWN || state == IntentState.FAILED) {
            intentService.purge(intent);
        } else if (state != IntentState.WITHDRAWING && state != IntentState.PURGE_REQ) {
            intentService.withdraw(intent);
        }
    }

    /**
     * Makes records and intents agree after a previous activation (or a failed instance) left them apart: an
     * intent without a live record is withdrawn (purged once withdrawn), a BYPASSED record without an intent
     * fails and loses whatever entries it had, an OFFLOADING record whose intent is installed becomes BYPASSED,
     * and legs held by no live record are freed. OFFLOADING records without an intent are left to the offload
     * timeout: their intent may be on its way.
     */
    void reconcile() {
        try {
            int intents = 0;
            int records = 0;
            for (Intent intent : intentService.getIntentsByAppId(appId)) {
                Optional<BypassId> id = BypassIntentCompiler.bypassId(appId, intent);
                Optional<Bypass> live = id.flatMap(store::get).filter(b -> !b.state().isFinal());
                if (live.isEmpty()) {
                    withdrawOrPurge(intent);
                    intents++;
                } else if (live.get().state() == OFFLOADING
                        && intentService.getIntentState(intent.key()) == IntentState.INSTALLED) {
                    installed(live.get().id(), intent, clock.getAsLong());
                }
            }
            Map<BypassId, List<FlowEntry>> orphans = null;
            for (Bypass b : store.all()) {
                if (b.state() == BYPASSED && intentService.getIntent(key(b.id())) == null) {
                    end(b.id(), FAILED, INTENT_LOST);
                    if (orphans == null) {
                        orphans = bypassEntries();
                    }
                    flowRuleService.removeFlowRules(orphans.getOrDefault(b.id(), List.of()).toArray(new FlowEntry[0]));
                    records++;
                }
            }
            int legs = store.sweepLegs();
            if (intents + records + legs > 0) {
                log.warn("Reconciled: {} intents without a live record withdrawn, {} bypassed records without an"
                                 + " intent failed, {} connection legs freed", intents, records, legs);
            }
        } catch (RuntimeException e) {
            log.warn("Reconciling records and intents failed", e);
        }
    }

    @Modified
    protected void modified(ComponentContext context) {
        Dictionary<?, ?> properties = context == null ? null : context.getProperties();
        if (properties != null) {
            counterPollSeconds = Math.max(1, Tools.getIntegerProperty(properties, COUNTER_POLL_SECONDS,
                                                                      COUNTER_POLL_SECONDS_DEFAULT));
            idleTimeoutSeconds = Math.max(1, Tools.getIntegerProperty(properties, IDLE_TIMEOUT_SECONDS,
                                                                             IDLE_TIMEOUT_SECONDS_DEFAULT));
            lingerMillis = Math.max(0, Tools.getIntegerProperty(properties, LINGER_MILLIS,
                                                                       LINGER_MILLIS_DEFAULT));
            retentionSeconds = Math.max(0, Tools.getIntegerProperty(properties, RETENTION_SECONDS,
                                                                           RETENTION_SECONDS_DEFAULT));
            offloadTimeoutSeconds = Math.max(1, Tools.getIntegerProperty(properties, OFFLOAD_TIMEOUT_SECONDS,
                                                                                OFFLOAD_TIMEOUT_SECONDS_DEFAULT));
        }
        if (pollTask != null) {
            pollTask.cancel(false);
        }
        pollTask = executor.scheduleWithFixedDelay(this::housekeeping, counterPollSeconds, counterPollSeconds,
                                                   TimeUnit.SECONDS);
        log.info("Counters polled every {} s; offload timeout {} s; defaults: idle timeout {} s, linger {} ms,"
                         + " retention {} s",
                 counterPollSeconds, offloadTimeoutSeconds, idleTimeoutSeconds, lingerMillis, retentionSeconds);
    }

    @Override
    public Bypass offload(OffloadRequest request) {
        return offload(request, null).bypass();
    }

    @Override
    public OffloadOutcome offload(OffloadRequest request, String idempotencyKey) {
        if (idempotencyKey != null) {
            Optional<BypassId> first = store.idempotencyKeyHolder(request.proxy(), idempotencyKey);
            if (first.isPresent()) {
                return repeated(first.get(), request, idempotencyKey);
            }
        }
        OffloadPlan plan = validator.validate(request);
        ConnectionTuple tuple = request.tuple();
        long now = clock.getAsLong();
        Optional<Bypass> known = liveOnALeg(tuple);
        // The proxy's own proxied record of an earlier connection on one of these legs: its "closed" report was lost
        // (a proxy that restarted) and the port reused; the offload may come before the report of the new connection.
        while (known.isPresent() && supersede(known.get().id(), plan.proxy(), tuple, now)) {
            known = liveOnALeg(tuple);
        }
        BypassId id = known.map(Bypass::id).orElseGet(store::nextId);
        if (idempotencyKey != null) {
            // Claimed before the record is made: of a request and its retry racing on two instances, one wins.
            Optional<BypassId> first = store.claimIdempotencyKey(request.proxy(), idempotencyKey, id);
            if (first.isPresent()) {
                return repeated(first.get(), request, idempotencyKey);
            }
        }
        Bypass record;
        try {
            record = known.isPresent() ? reuse(known.get(), plan, idempotencyKey, now)
                    : create(id, plan, idempotencyKey, now);
        } catch (OffloadException e) {
            if (idempotencyKey != null) {
                store.releaseIdempotencyKey(request.proxy(), idempotencyKey, id);
            }
            throw e;
        }
        try {
            intentService.submit(BypassIntentCompiler.compile(appId, record, plan.clientAttachment(),
                                                              plan.serverAttachment(), plan.proxy().mac()));
        } catch (RuntimeException e) {
            end(record.id(), FAILED, "intent not accepted: " + e.getMessage());
            throw e;
        }
        log.debug("Offloading {} as bypass {}", tuple, record.id());
        return OffloadOutcome.created(store.get(record.id()).orElse(record));
    }

    private Bypass create(BypassId id, OffloadPlan plan, String idempotencyKey, long now) {
        OffloadRequest request = plan.request();
        Bypass record = Bypass.offloading(id, plan.proxy().name(), request.deviceId(), request.tuple(),
                                          plan.translation(), now);
        record = idempotencyKey == null ? record : record.withIdempotencyKey(idempotencyKey);
        Optional<BypassId> holder = store.create(record);
        if (holder.isPresent()) {
            throw conflict(request.tuple(), holder.get());
        }
        return record;
    }

    // A connection the proxy reported as relayed keeps its record; anything else on its legs is a conflict.
    private Bypass reuse(Bypass known, OffloadPlan plan, String idempotencyKey, long now) {
        OffloadRequest request = plan.request();
        if (known.state() != PROXIED || !known.tuple().equals(request.tuple())
                || !known.proxy().equals(plan.proxy().name()) || !known.deviceId().equals(request.deviceId())) {
            throw conflict(request.tuple(), known.id());
        }
        AtomicBoolean taken = new AtomicBoolean();
        Optional<Bypass> record = store.update(known.id(), b -> {
            taken.set(b.state() == PROXIED);
            if (!taken.get()) {
                return b;
            }
            Bypass offloading = b.offloading(plan.translation(), now);
            return idempotencyKey == null ? offloading : offloading.withIdempotencyKey(idempotencyKey);
        });
        if (record.isEmpty() || !taken.get()) {
            throw conflict(request.tuple(), known.id());
        }
        return record.get();
    }

    // The record the first request with this key made, once it carries the key: the first request may still be
    // between claiming the key and storing its record, here or on another instance.
    private OffloadOutcome repeated(BypassId first, OffloadRequest request, String idempotencyKey) {
        if (first.equals(CANCELLED_KEY)) {
            throw new OffloadException(CONFLICT, IDEMPOTENCY_KEY + " '" + idempotencyKey + "': the proxy cancelled the"
                    + " offload request with this key");
        }
        Predicate<Bypass> keyed = b -> idempotencyKey.equals(b.idempotencyKey().orElse(null));
        Bypass earlier = await(first, keyed, FIRST_REQUEST_WAIT_MILLIS).orElseThrow(() -> new OffloadException(
                CONFLICT, IDEMPOTENCY_KEY + " '" + idempotencyKey + "': the first request with this key, bypass "
                + first + ", is still being processed"));
        if (!earlier.deviceId().equals(request.deviceId()) || !earlier.tuple().equals(request.tuple())
                || !earlier.translation().equals(Optional.of(
                        BypassTranslation.of(request.clientLeg(), request.serverLeg())))) {
            throw new OffloadException(KEY_REUSED, IDEMPOTENCY_KEY + " '" + idempotencyKey + "' was used for"
                    + " another offload request (bypass " + earlier.id() + ", " + earlier.deviceId() + " "
                    + earlier.tuple() + ")");
        }
        return OffloadOutcome.repeated(earlier);
    }

    private Optional<Bypass> await(BypassId id, Predicate<Bypass> condition, long millis) {
        Optional<Bypass> now = store.get(id).filter(condition);
        if (now.isPresent()) {
            return now;
        }
        Waiter waiter = new Waiter(condition);
        waiting.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(waiter);
        store.get(id).filter(condition).ifPresent(waiter.future::complete);
        try {
            return Optional.of(waiter.future.get(millis, TimeUnit.MILLISECONDS));
        } catch (TimeoutException | ExecutionException | CancellationException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            forget(id, waiter);
        }
    }

    private Optional<Bypass> liveOnALeg(ConnectionTuple tuple) {
        return store.liveByLeg(tuple.client(), tuple.vip()).or(() -> store.liveByLeg(tuple.proxy(), tuple.server()));
    }

    private static OffloadException conflict(ConnectionTuple tuple, BypassId holder) {
        return new OffloadException(CONFLICT, "connection " + tuple + " already has a live bypass: " + holder);
    }

    private Key key(BypassId id) {
        return BypassIntentCompiler.key(appId, id);
    }

    @Override
    public int report(ConnectionReport report) {
        RegisteredProxy proxy = validator.registered(report.proxy());
        for (ConnectionTuple tuple : report.opened()) {
            validator.owner(report.proxy(), tuple);
        }
        for (ConnectionTuple tuple : report.closed()) {
            validator.owner(report.proxy(), tuple);
        }
        long now = clock.getAsLong();
        int recorded = 0;
        for (ConnectionTuple tuple : report.opened()) {
            Bypass record = Bypass.proxied(store.nextId(), proxy.name(), proxy.connectPoint().deviceId(), tuple,
                                           now);
            Optional<BypassId> holder = store.create(record);
            if (holder.isPresent() && supersede(holder.get(), proxy, tuple, now)) {
                holder = store.create(record);
            }
            if (holder.isEmpty()) {
                recorded++;
            }
        }
        for (ConnectionTuple tuple : report.closed()) {
            Optional<Bypass> known = store.liveByLeg(tuple.client(), tuple.vip())
                    .filter(b -> b.state() == PROXIED && b.tuple().equals(tuple));
            if (known.isPresent() && store.update(known.get().id(), b -> b.state() == PROXIED
                    ? b.withState(RELEASED, CLOSED_BY_PROXY, now) : b)
                    .map(b -> b.state() == RELEASED).orElse(false)) {
                recorded++;
            }
        }
        return recorded;
    }

    // A new connection on a leg the proxy's own proxied record still holds means that record's "closed" report
    // was lost and the port reused: the old record ends.
    private boolean supersede(BypassId holder, RegisteredProxy proxy, ConnectionTuple tuple, long now) {
        AtomicBoolean ended = new AtomicBoolean();
        store.update(holder, b -> {
            ended.set(b.state() == PROXIED && b.proxy().equals(proxy.name()) && !b.tuple().equals(tuple));
            return ended.get() ? b.withState(RELEASED, SUPERSEDED, now) : b;
        });
        return ended.get();
    }

    @Override
    public Bypass release(BypassId id, String reason) {
        return release(id, reason, null).orElseThrow();
    }

    @Override
    public Optional<Bypass> release(BypassId id, String reason, BypassState ifState) {
        long now = clock.getAsLong();
        AtomicReference<Bypass> seen = new AtomicReference<>();
        // One compare-and-set with the record's other changes decides: a PROXIED record ends at once, an OFFLOADING
        // one is marked so that its INSTALLED event no longer makes it BYPASSED.
        Bypass record = store.update(id, b -> {
            seen.set(b);
            if (ifState != null && b.state() != ifState) {
                return b;
            }
            if (b.state() == PROXIED) {
                return b.withState(RELEASED, reason, now);
            }
            return b.state() == OFFLOADING && b.releaseAsked().isEmpty() ? b.withReleaseAsked(reason) : b;
        }).orElseThrow(() -> notFound(id));
        if (ifState != null && seen.get().state() != ifState) {
            return Optional.empty();
        }
        if (record.state().isFinal()) {
            return Optional.of(record);
        }
        releaseReasons.putIfAbsent(id, reason);
        if (record.state() != BYPASSED) {
            return Optional.of(withdraw(id, reason));
        }
        // The entries are withdrawn once their counters are read: from the switch where ONOS's P4Runtime client
        // can read it (its store trails the switch by up to a poll), otherwise from the flow rule store.
        switchCounters.read(record.deviceId(), bypassRules(id))
                .orTimeout(FINAL_READ_MILLIS, TimeUnit.MILLISECONDS)
                .whenComplete((cells, error) -> {
                    try {
                        if (error == null) {
                            idleMonitor.readFinal(id, cells);
                        } else {
                            log.debug("Final counters of bypass {} from the flow rule store: {}", id, error.toString());
                            idleMonitor.readFinal(id, IdleMonitor.cells(flowEntries(id)));
                        }
                        withdraw(id, reason);
                    } catch (RuntimeException e) {
                        log.warn("Cannot release bypass {}", id, e);
                    }
                });
        return Optional.of(store.get(id).orElseThrow(() -> notFound(id)));
    }

    @Override
    public Optional<Bypass> cancelOffload(String proxy, String idempotencyKey) {
        validator.registered(proxy);
        while (true) {
            Optional<BypassId> holder = store.claimIdempotencyKey(proxy, idempotencyKey, CANCELLED_KEY);
            if (holder.isEmpty() || holder.get().equals(CANCELLED_KEY)) {
                if (holder.isEmpty()) {
                    cancelledKeys.add(new CancelledKey(proxy, idempotencyKey, clock.getAsLong()));
                }
                return Optional.empty();
            }
            Optional<Bypass> record = await(holder.get(), b -> idempotencyKey.equals(b.idempotencyKey().orElse(null)),
                                            FIRST_REQUEST_WAIT_MILLIS);
            if (record.isPresent()) {
                return record;
            }
            // The request failed and freed the key (claimed again above), or is still being processed.
            if (store.idempotencyKeyHolder(proxy, idempotencyKey).equals(holder)) {
                throw new OffloadException(CONFLICT, IDEMPOTENCY_KEY + " '" + idempotencyKey + "': the request with"
                        + " this key, bypass " + holder.get() + ", is still being processed");
            }
        }
    }

    private Bypass withdraw(BypassId id, String reason) {
        Intent intent = intentService.getIntent(key(id));
        if (intent == null) {
            return end(id, RELEASED, reason).orElseThrow(() -> notFound(id));
        }
        intentService.withdraw(intent);
        log.debug("Releasing bypass {}: {}", id, reason);
        return store.get(id).orElseThrow(() -> notFound(id));
    }

    private static OffloadException notFound(BypassId id) {
        return new OffloadException(NOT_FOUND, "id: no bypass " + id);
    }

    @Override
    public Optional<Bypass> bypass(BypassId id) {
        return store.get(id);
    }

    @Override
    public Collection<Bypass> bypasses() {
        return store.all();
    }

    @Override
    public CompletableFuture<Bypass> settled(BypassId id) {
        return when(id, b -> b.state() != OFFLOADING);
    }

    @Override
    public CompletableFuture<Bypass> ended(BypassId id) {
        return when(id, b -> b.state().isFinal());
    }

    private CompletableFuture<Bypass> when(BypassId id, Predicate<Bypass> condition) {
        Waiter waiter = new Waiter(condition);
        waiting.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(waiter);
        // Checked after registering, so a change between the two cannot be missed.
        Optional<Bypass> record = store.get(id);
        if (record.isEmpty()) {
            waiter.future.completeExceptionally(notFound(id));
        } else if (condition.test(record.get())) {
            waiter.future.complete(record.get());
        }
        if (waiter.future.isDone()) {
            forget(id, waiter);
        }
        return waiter.future;
    }

    private void forget(BypassId id, Waiter waiter) {
        waiting.computeIfPresent(id, (k, l) -> {
            l.remove(waiter);
            return l.isEmpty() ? null : l;
        });
    }

    @Override
    public Collection<FlowEntry> flowEntries(BypassId id) {
        // Looked up by rule, not found in a list of the device's entries: constant cost however many bypasses live.
        List<FlowEntry> entries = new ArrayList<>();
        for (FlowRule rule : bypassRules(id)) {
            FlowEntry e = flowRuleService.getFlowEntry(rule);
            if (e != null) {
                entries.add(e);
            }
        }
        return entries;
    }

    // The record's bypass-table rules, from its intent.
    private List<FlowRule> bypassRules(BypassId id) {
        Intent intent = intentService.getIntent(key(id));
        if (!(intent instanceof FlowRuleIntent)) {
            return ImmutableList.of();
        }
        List<FlowRule> rules = new ArrayList<>();
        for (FlowRule rule : ((FlowRuleIntent) intent).flowRules()) {
            if (BYPASS_TABLE.equals(rule.table())) {
                rules.add(rule);
            }
        }
        return rules;
    }

    // The app's entries in both tables by bypass, from one pass over its entries: for records whose intent is lost.
    private Map<BypassId, List<FlowEntry>> bypassEntries() {
        Map<BypassId, List<FlowEntry>> entries = new HashMap<>();
        for (FlowEntry e : flowRuleService.getFlowEntriesById(appId)) {
            if (BYPASS_TABLE.equals(e.table()) || BYPASS_GUARD.equals(e.table())) {
                entries.computeIfAbsent(BypassIntentCompiler.bypassId(e.id().value()), k -> new ArrayList<>()).add(e);
            }
        }
        return entries;
    }

    @Override
    public BypassStatistics statistics() {
        Set<DeviceId> switches = settings.proxies.values().stream().map(p -> p.connectPoint().deviceId())
                .sorted(Comparator.comparing(DeviceId::toString))
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return switchAnomalies.add(StatisticsSummary.of(store.all()), switches);
    }

    @Override
    public Collection<RegisteredProxy> proxies() {
        return settings.proxies.values();
    }

    // Ends a record in a final state unless it already is final.
    private Optional<Bypass> end(BypassId id, BypassState state, String reason) {
        return store.update(id, b -> b.state().isFinal() ? b : b.withState(state, reason, clock.getAsLong()));
    }

    private void connectionEnded(BypassId id, String reason) {
        long linger = settings.lingerMillis(lingerMillis);
        executor.schedule(() -> releaseQuietly(id, reason), linger, TimeUnit.MILLISECONDS);
    }

    // Both endpoints of an idle bypass, through its switch's pipeline, which completes the keepalives from what it
    // last saw of the connection (KeepaliveProbe, bypass.p4); their answers move the bypass's counters.
    private void probe(BypassId id) {
        Bypass b = store.get(id).orElse(null);
        if (b == null || b.state() != BYPASSED || b.translation().isEmpty()) {
            return;
        }
        TrafficTreatment throughPipeline = DefaultTrafficTreatment.builder().setOutput(PortNumber.TABLE).build();
        for (BypassDirection direction : BypassDirection.values()) {
            packetService.emit(new DefaultOutboundPacket(b.deviceId(), throughPipeline,
                                                         ByteBuffer.wrap(KeepaliveProbe.frame(b, direction))));
        }
        log.debug("Probed the endpoints of idle bypass {}", id);
    }

    // No linger: the new connection's next segments would hit the stale entries.
    private void connectionReplaced(BypassId id, String reason) {
        executor.execute(() -> releaseQuietly(id, reason));
    }

    private void releaseQuietly(BypassId id, String reason) {
        try {
            release(id, reason);
        } catch (OffloadException e) {
            log.debug("Bypass {} gone before release: {}", id, e.getMessage());
        }
    }

    /** Polls counters, releases idle bypasses and purges final records past their retention, oldest first. */
    void housekeeping() {
        try {
            long now = clock.getAsLong();
            idleMonitor.poll(now, settings.idleTimeoutSeconds(idleTimeoutSeconds) * 1000L);
            timeOutOffloads(now);
            long keepUntil = now - settings.retentionSeconds(retentionSeconds) * 1000L;
            // Every instance purges what it saw end; removing a record twice is harmless.
            for (Bypass b = retired.peek(); b != null && b.updated() <= keepUntil; b = retired.peek()) {
                store.remove(retired.poll().id());
            }
            for (CancelledKey k = cancelledKeys.peek(); k != null && k.time <= keepUntil; k = cancelledKeys.peek()) {
                cancelledKeys.poll();
                store.releaseIdempotencyKey(k.proxy, k.key, CANCELLED_KEY);
            }
        } catch (RuntimeException e) {
            log.warn("Housekeeping failed; retrying next period", e);
        }
    }

    // A record OFFLOADING past the timeout fails; withdrawing its intent removes whatever entries reached the
    // switch, and an intent installed later is withdrawn on its INSTALLED event.
    private void timeOutOffloads(long now) {
        long since = now - offloadTimeoutSeconds * 1000L;
        for (Map.Entry<BypassId, Long> e : offloading.entrySet()) {
            if (e.getValue() > since) {
                continue;
            }
            BypassId id = e.getKey();
            Optional<Bypass> failed = store.update(
                    id, b -> b.state() == OFFLOADING ? b.withState(FAILED, offloadTimedOut(), now) : b);
            if (failed.map(b -> b.state() == FAILED).orElse(true)) {
                offloading.remove(id);
                Intent intent = intentService.getIntent(key(id));
                if (intent != null) {
                    intentService.withdraw(intent);
                }
            }
        }
    }

    private String offloadTimedOut() {
        return "offload timed out: the switch did not take the bypass entries within " + offloadTimeoutSeconds
                + " s";
    }

    private void sweepLegs() {
        try {
            int freed = store.sweepLegs();
            if (freed > 0) {
                log.warn("Freed {} connection legs left claimed by a failed instance", freed);
            }
        } catch (RuntimeException e) {
            log.warn("Sweeping legs failed; retrying next period", e);
        }
    }

    private void storeEvent(BypassEvent event) {
        Bypass b = event.subject();
        if (event.type() == BypassEvent.Type.REMOVED) {
            idleMonitor.forget(b.id());
            offloading.remove(b.id());
        } else {
            follow(b);
        }
        List<Waiter> waiters = waiting.get(b.id());
        if (waiters != null) {
            for (Waiter w : waiters) {
                if (w.condition.test(b) && w.future.complete(b)) {
                    forget(b.id(), w);
                }
            }
        }
        if (b.state().isFinal() && event.type() == BypassEvent.Type.STATE_CHANGED) {
            closeWatcher.forget(b.id());
            releaseReasons.remove(b.id());
            retired.add(b);
        }
        post(event);
    }

    private void follow(Bypass b) {
        idleMonitor.changed(b);
        if (b.state() == OFFLOADING) {
            offloading.put(b.id(), b.updated());
        } else {
            offloading.remove(b.id());
        }
    }

    private void intentEvent(IntentEvent event) {
        Intent intent = event.subject();
        Optional<BypassId> bypassId = BypassIntentCompiler.bypassId(appId, intent);
        if (bypassId.isEmpty()) {
            return;
        }
        BypassId id = bypassId.get();
        long now = clock.getAsLong();
        switch (event.type()) {
            case INSTALLED:
                installed(id, intent, now);
                break;
            case FAILED:
            case CORRUPT:
                boolean wasLive = store.get(id).map(b -> !b.state().isFinal()).orElse(false);
                end(id, FAILED, INTENT_FAILED);
                if (wasLive) {
                    // Whatever was partially installed goes with the withdrawal.
                    intentService.withdraw(intent);
                } else {
                    // A withdrawal that failed (e.g. its switch is gone): nothing more to undo.
                    intentService.purge(intent);
                }
                break;
            case WITHDRAWN:
                String reason = releaseReasons.getOrDefault(id, WITHDRAWN);
                end(id, RELEASED, reason);
                intentService.purge(intent);
                break;
            default:
                break;
        }
    }

    // An OFFLOADING record whose entries are all on the switch becomes BYPASSED, unless its release was asked for
    // meanwhile or it ended: then the entries must not stay.
    private void installed(BypassId id, Intent intent, long now) {
        Optional<Bypass> installed = store.update(
                id, b -> b.state() == OFFLOADING && b.releaseAsked().isEmpty() ? b.withState(BYPASSED, null, now) : b);
        if (installed.map(b -> b.state() != BYPASSED).orElse(true)) {
            intentService.withdraw(intent);
        }
    }

    private void deviceRemoved(DeviceEvent event) {
        for (Bypass b : store.all()) {
            if ((b.state() == OFFLOADING || b.state() == BYPASSED)
                    && b.deviceId().equals(event.subject().id())) {
                end(b.id(), FAILED, DEVICE_REMOVED);
                Intent intent = intentService.getIntent(key(b.id()));
                if (intent != null) {
                    intentService.withdraw(intent);
                }
            }
        }
    }

    private void loadConfig() {
        BypassConfig config = configRegistry.getConfig(appId, BypassConfig.class);
        if (config == null) {
            settings = new Settings(ImmutableMap.of(), null);
            return;
        }
        try {
            config.check();
        } catch (IllegalArgumentException e) {
            log.error("Ignoring invalid {} configuration, keeping the previous one: {}",
                      BypassConfig.KEY, e.getMessage());
            return;
        }
        settings = new Settings(Maps.uniqueIndex(config.proxies(), RegisteredProxy::name), config);
        log.info("Configured {} proxies", settings.proxies.size());
    }

    /** A caller waiting for a record to meet a condition. */
    private static final class Waiter {
        private final Predicate<Bypass> condition;
        private final CompletableFuture<Bypass> future = new CompletableFuture<>();

        Waiter(Predicate<Bypass> condition) {
            this.condition = condition;
        }
    }

    /** The configuration in force: registered proxies by name and the netcfg timing, if any. */
    private static final class Settings {
        private final Map<String, RegisteredProxy> proxies;
        private final Optional<Integer> idleTimeoutSeconds;
        private final Optional<Integer> lingerMillis;
        private final Optional<Integer> retentionSeconds;

        Settings(Map<String, RegisteredProxy> proxies, BypassConfig config) {
            this.proxies = proxies;
            this.idleTimeoutSeconds = config == null ? Optional.empty() : config.idleTimeoutSeconds();
            this.lingerMillis = config == null ? Optional.empty() : config.lingerMillis();
            this.retentionSeconds = config == null ? Optional.empty() : config.retentionSeconds();
        }

        int idleTimeoutSeconds(int fallback) {
            return idleTimeoutSeconds.orElse(fallback);
        }

        int lingerMillis(int fallback) {
            return lingerMillis.orElse(fallback);
        }

        int retentionSeconds(int fallback) {
            return retentionSeconds.orElse(fallback);
        }
    }

    private class InternalConfigListener implements NetworkConfigListener {
        @Override
        public boolean isRelevant(NetworkConfigEvent event) {
            return event.configClass() == BypassConfig.class;
        }

        @Override
        public void event(NetworkConfigEvent event) {
            executor.execute(BypassManager.this::loadConfig);
        }
    }

    private class InternalIntentListener implements IntentListener {
        @Override
        public void event(IntentEvent event) {
            executor.execute(() -> intentEvent(event));
        }
    }

    private class InternalDeviceListener implements DeviceListener {
        @Override
        public boolean isRelevant(DeviceEvent event) {
            return event.type() == DeviceEvent.Type.DEVICE_REMOVED;
        }

        @Override
        public void event(DeviceEvent event) {
            executor.execute(() -> deviceRemoved(event));
        }
    }

    private static final class CancelledKey {
        final String proxy;
        final String key;
        final long time;

        CancelledKey(String proxy, String key, long time) {
            this.proxy = proxy;
            this.key = key;
            this.time = time;
        }
    }
}
