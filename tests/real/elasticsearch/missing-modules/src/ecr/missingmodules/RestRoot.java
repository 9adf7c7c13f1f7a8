package ecr.missingmodules;

import org.elasticsearch.Build;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionRequestValidationException;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.StreamOutput;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.ActionPlugin.ActionHandler;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.rest.action.RestBuilderListener;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.transport.TransportService;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentBuilder;

import java.io.IOException;
import java.util.List;

import static org.elasticsearch.rest.RestRequest.Method.GET;
import static org.elasticsearch.rest.RestRequest.Method.HEAD;

/**
 * A stand-in for Elasticsearch's rest-root module (GET / and HEAD /: the node's name, the cluster's
 * name and UUID, the version and build), which the integ-test-zip distribution run by ecr's real test
 * stack lacks: without it GET / answers 405. ECK needs it: it reads the cluster UUID with GET /
 * (GetClusterInfo, in bootstrap.ReconcileClusterUUID) and, until it has one, never sets the
 * cluster-uuid annotation and never counts the cluster as bootstrapped; ecr reads the version there.
 *
 * <p>It answers as the module does in 8.19 and 9.x (RestMainAction, TransportMainAction,
 * MainResponse): pretty-printed unless the request has a pretty parameter, the cluster UUID "_na_"
 * until it is committed, the build's own flavor, type, hash and date, the tagline. Its action has
 * the module's name, cluster:monitor/main, so security authorizes it as the real one: it needs the
 * cluster privilege monitor (or one that includes it, such as manage).
 */
public final class RestRoot {

    static final ActionType<Info> MAIN = new ActionType<>("cluster:monitor/main");

    private RestRoot() {}

    @SuppressWarnings({ "rawtypes", "unchecked" })
    static List<ActionHandler> actions() {
        return List.of(new ActionHandler(MAIN, Main.class));
    }

    public static final class Request extends ActionRequest {
        @Override
        public ActionRequestValidationException validate() {
            return null;
        }
    }

    /** The answer, in MainResponse's shape. */
    public static final class Info extends ActionResponse implements ToXContentObject {
        final String nodeName;
        final String luceneVersion;
        final String clusterName;
        final String clusterUuid;
        final Build build;

        Info(String nodeName, String luceneVersion, String clusterName, String clusterUuid, Build build) {
            this.nodeName = nodeName;
            this.luceneVersion = luceneVersion;
            this.clusterName = clusterName;
            this.clusterUuid = clusterUuid;
            this.build = build;
        }

        @Override
        public void writeTo(StreamOutput out) {
            throw new UnsupportedOperationException("the main action runs on the node that receives it");
        }

        @Override
        public XContentBuilder toXContent(XContentBuilder builder, Params params) throws IOException {
            builder.startObject();
            builder.field("name", nodeName);
            builder.field("cluster_name", clusterName);
            builder.field("cluster_uuid", clusterUuid);
            builder.startObject("version")
                .field("number", build.qualifiedVersion())
                .field("build_flavor", build.flavor())
                .field("build_type", build.type().displayName())
                .field("build_hash", build.hash())
                .field("build_date", build.date())
                .field("build_snapshot", build.isSnapshot())
                .field("lucene_version", luceneVersion)
                .field("minimum_wire_compatibility_version", build.minWireCompatVersion())
                .field("minimum_index_compatibility_version", build.minIndexCompatVersion())
                .endObject();
            builder.field("tagline", "You Know, for Search");
            return builder.endObject();
        }
    }

    public static final class Main extends TransportAction<Request, Info> {
        private final String nodeName;
        private final ClusterService clusterService;

        @Inject
        public Main(Settings settings, TransportService transportService, ActionFilters actionFilters, ClusterService clusterService) {
            super(MAIN.name(), actionFilters, transportService.getTaskManager(), EsExecutors.DIRECT_EXECUTOR_SERVICE);
            this.nodeName = Node.NODE_NAME_SETTING.get(settings);
            this.clusterService = clusterService;
        }

        @Override
        protected void doExecute(Task task, Request request, ActionListener<Info> listener) {
            ClusterState state = clusterService.state();
            Metadata metadata = state.metadata();
            listener.onResponse(
                new Info(
                    nodeName,
                    IndexVersion.current().luceneVersion().toString(),
                    state.getClusterName().value(),
                    metadata.clusterUUIDCommitted() ? metadata.clusterUUID() : Metadata.UNKNOWN_CLUSTER_UUID,
                    Build.current()
                )
            );
        }
    }

    static final class Rest extends BaseRestHandler {
        @Override
        public String getName() {
            return "main_action";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(GET, "/"), new Route(HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> client.execute(MAIN, new Request(), new RestBuilderListener<Info>(channel) {
                @Override
                public RestResponse buildResponse(Info info, XContentBuilder builder) throws Exception {
                    // Pretty unless the request says (?pretty=false keeps it compact).
                    if (request.hasParam("pretty") == false) {
                        builder.prettyPrint().lfAtEnd();
                    }
                    info.toXContent(builder, request);
                    return new RestResponse(RestStatus.OK, builder);
                }
            });
        }

        @Override
        public boolean canTripCircuitBreaker() {
            return false;
        }
    }
}
