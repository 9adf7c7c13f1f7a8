package ecr.missingmodules;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.action.support.master.AcknowledgedResponse;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.plugins.ActionPlugin.ActionHandler;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.action.RestToXContentListener;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static org.elasticsearch.rest.RestRequest.Method.DELETE;
import static org.elasticsearch.rest.RestRequest.Method.GET;
import static org.elasticsearch.rest.RestRequest.Method.PUT;

/**
 * A stand-in for Elasticsearch's node shutdown API (the x-pack-shutdown module), which the
 * integ-test-zip distribution run by ecr's real test stack lacks and which ECK calls before it
 * restarts a pod. It serves GET _nodes/shutdown and GET, PUT, DELETE _nodes/{nodeId}/shutdown for
 * RESTART shutdowns, answering in Elasticsearch's shape (the one ECK's client parses). Like
 * Elasticsearch, it reports a RESTART shutdown COMPLETE at once: no shard relocation is necessary
 * for a node restart. Other types (REMOVE, REPLACE, SIGTERM) need shard migration; they are refused.
 *
 * <p>The records live in this node's memory, not in the cluster state where Elasticsearch keeps
 * them: the test clusters are single nodes, so every request reaches the node holding them. A
 * restart of the node forgets them, which ECK copes with (it deletes a restart's record once the
 * node is back, and a missing record is no error to it); a multi-node cluster would need the real
 * module.
 *
 * <p>The actions carry Elasticsearch's own names (cluster:admin/shutdown/...), so security
 * authorizes them as it does the real ones: they need the cluster privilege manage.
 */
public final class NodeShutdown {

    static final ActionType<AcknowledgedResponse> PUT_SHUTDOWN = new ActionType<>("cluster:admin/shutdown/create");
    static final ActionType<Statuses> GET_SHUTDOWN = new ActionType<>("cluster:admin/shutdown/get");
    static final ActionType<AcknowledgedResponse> DELETE_SHUTDOWN = new ActionType<>("cluster:admin/shutdown/delete");

    /** Shutdown records by node id, in the order they were put; guarded by itself. One node per JVM. */
    private static final Map<String, Shutdown> SHUTDOWNS = new LinkedHashMap<>();

    private NodeShutdown() {}

    @SuppressWarnings({ "rawtypes", "unchecked" })
    static List<ActionHandler> actions() {
        return List.of(
            new ActionHandler(PUT_SHUTDOWN, Put.class),
            new ActionHandler(GET_SHUTDOWN, Get.class),
            new ActionHandler(DELETE_SHUTDOWN, Delete.class)
        );
    }

    /** One node's shutdown record; always of type RESTART. */
    record Shutdown(String nodeId, String reason, String allocationDelay, long startedAtMillis) {
        void toXContent(XContentBuilder builder) throws IOException {
            builder.startObject();
            builder.field("node_id", nodeId).field("type", "RESTART").field("reason", reason);
            if (allocationDelay != null) {
                builder.field("allocation_delay", allocationDelay);
            }
            if (builder.humanReadable()) {
                builder.field("shutdown_started", Instant.ofEpochMilli(startedAtMillis).toString());
            }
            builder.field("shutdown_startedmillis", startedAtMillis);
            builder.field("status", "COMPLETE");
            builder.startObject("shard_migration")
                .field("status", "COMPLETE")
                .field("shard_migrations_remaining", 0)
                .field("explanation", "no shard relocation is necessary for a node restart")
                .endObject();
            builder.startObject("persistent_tasks").field("status", "COMPLETE").endObject();
            builder.startObject("plugins").field("status", "COMPLETE").endObject();
            builder.endObject();
        }
    }

    /** What the REST layer asks for: node ids (none: all of them) and, for a put, its body. */
    public static final class Request extends ActionRequest {
        final List<String> nodeIds;
        final Map<String, Object> body;

        Request(List<String> nodeIds, Map<String, Object> body) {
            this.nodeIds = nodeIds;
            this.body = body;
        }

        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }

    /** The answer to a GET: {"nodes": [...]}. */
    public static final class Statuses extends ActionResponse implements ToXContentObject {
        final List<Shutdown> shutdowns;

        Statuses(List<Shutdown> shutdowns) {
            this.shutdowns = shutdowns;
        }

        @Override
        public void writeTo(StreamOutput out) {
            throw new UnsupportedOperationException("the node shutdown actions run on the node that receives them");
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject().startArray("nodes");
            for (Shutdown shutdown : shutdowns) {
                shutdown.toXContent(builder);
            }
            return builder.endArray().endObject();
        }
    }

    /** An action run on the receiving node, under the records' lock. */
    abstract static class Action<R extends ActionResponse> extends TransportAction<Request, R> {
        Action(ActionType<R> type, TransportService transportService, ActionFilters actionFilters) {
            super(type.name(), actionFilters, transportService.getTaskManager(), EsExecutors.DIRECT_EXECUTOR_SERVICE);
        }

        @Override
        protected final void doExecute(Task task, Request request, ActionListener<R> listener) {
            R response;
            try {
                synchronized (SHUTDOWNS) {
                    response = apply(request);
                }
            } catch (RuntimeException e) {
                listener.onFailure(e);
                return;
            }
            listener.onResponse(response);
        }

        abstract R apply(Request request);
    }

    public static final class Put extends Action<AcknowledgedResponse> {
        private static final Set<String> FIELDS = Set.of("type", "reason", "allocation_delay", "target_node_name", "grace_period");

        @Inject
        public Put(TransportService transportService, ActionFilters actionFilters) {
            super(PUT_SHUTDOWN, transportService, actionFilters);
        }

        @Override
        AcknowledgedResponse apply(Request request) {
            Map<String, Object> body = request.body;
            for (String field : body.keySet()) {
                if (FIELDS.contains(field) == false) {
                    throw new IllegalArgumentException("[put_node_shutdown_request] unknown field [" + field + "]");
                }
            }
            Object type = body.get("type");
            Object reason = body.get("reason");
            if (type == null || reason == null) {
                throw new IllegalArgumentException("the shutdown type and reason are required");
            }
            if ("restart".equalsIgnoreCase(type.toString()) == false) {
                throw new IllegalArgumentException(
                    "ecr-missing-modules serves RESTART shutdowns only (the test clusters are single nodes), not [" + type + "]"
                );
            }
            if (body.containsKey("target_node_name")) {
                throw new IllegalArgumentException("target node name is only valid for REPLACE type shutdowns");
            }
            if (body.containsKey("grace_period")) {
                throw new IllegalArgumentException("grace period is only valid for SIGTERM type shutdowns");
            }
            Object delay = body.get("allocation_delay");
            String allocationDelay = delay == null ? null : TimeValue.parseTimeValue(delay.toString(), "allocation_delay").getStringRep();
            String nodeId = request.nodeIds.get(0);
            Shutdown existing = SHUTDOWNS.get(nodeId);
            // As in Elasticsearch, putting the same shutdown again changes nothing.
            if (existing == null
                || existing.reason().equals(reason.toString()) == false
                || Objects.equals(existing.allocationDelay(), allocationDelay) == false) {
                SHUTDOWNS.put(nodeId, new Shutdown(nodeId, reason.toString(), allocationDelay, System.currentTimeMillis()));
            }
            return AcknowledgedResponse.of(true);
        }
    }

    public static final class Get extends Action<Statuses> {
        @Inject
        public Get(TransportService transportService, ActionFilters actionFilters) {
            super(GET_SHUTDOWN, transportService, actionFilters);
        }

        @Override
        Statuses apply(Request request) {
            if (request.nodeIds.isEmpty()) {
                return new Statuses(new ArrayList<>(SHUTDOWNS.values()));
            }
            // Unknown node ids are left out, as Elasticsearch does.
            return new Statuses(request.nodeIds.stream().map(SHUTDOWNS::get).filter(Objects::nonNull).toList());
        }
    }

    public static final class Delete extends Action<AcknowledgedResponse> {
        @Inject
        public Delete(TransportService transportService, ActionFilters actionFilters) {
            super(DELETE_SHUTDOWN, transportService, actionFilters);
        }

        @Override
        AcknowledgedResponse apply(Request request) {
            String nodeId = request.nodeIds.get(0);
            if (SHUTDOWNS.remove(nodeId) == null) {
                throw new ResourceNotFoundException("node [" + nodeId + "] is not currently shutting down");
            }
            return AcknowledgedResponse.of(true);
        }
    }

    static final class Rest extends BaseRestHandler {
        @Override
        public String getName() {
            return "ecr_node_shutdown";
        }

        @Override
        public List<Route> routes() {
            return List.of(
                new Route(GET, "/_nodes/shutdown"),
                new Route(GET, "/_nodes/{nodeId}/shutdown"),
                new Route(PUT, "/_nodes/{nodeId}/shutdown"),
                new Route(DELETE, "/_nodes/{nodeId}/shutdown")
            );
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) throws IOException {
            // Elasticsearch's handlers take these; with the records in memory there is nothing to wait for.
            request.param("master_timeout");
            request.param("timeout");
            String nodeId = request.param("nodeId");
            List<String> nodeIds = nodeId == null ? List.of() : List.of(nodeId.split(","));
            switch (request.method()) {
                case PUT: {
                    Map<String, Object> body;
                    try (XContentParser parser = request.contentParser()) {
                        body = parser.map();
                    }
                    Request put = new Request(nodeIds, body);
                    return channel -> client.execute(PUT_SHUTDOWN, put, new RestToXContentListener<>(channel));
                }
                case DELETE: {
                    Request delete = new Request(nodeIds, Map.of());
                    return channel -> client.execute(DELETE_SHUTDOWN, delete, new RestToXContentListener<>(channel));
                }
                default: {
                    Request get = new Request(nodeIds, Map.of());
                    return channel -> client.execute(GET_SHUTDOWN, get, new RestToXContentListener<>(channel));
                }
            }
        }
    }
}
