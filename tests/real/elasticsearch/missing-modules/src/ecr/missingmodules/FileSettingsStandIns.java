package ecr.missingmodules;

import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.reservedstate.ReservedClusterStateHandler;
import org.elasticsearch.reservedstate.TransformState;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stand-ins for the file-based settings handlers of the modules x-pack-slm (key "slm", snapshot
 * lifecycle policies) and x-pack-ilm (key "ilm", index lifecycle policies), which the
 * integ-test-zip distribution run by ecr's real test stack lacks.
 *
 * <p>ECK mounts file-based settings at config/operator/settings.json on every Elasticsearch from
 * 8.6.1 on, and with no StackConfigPolicy they hold every key it knows, each empty: cluster_settings,
 * snapshot_repositories, slm, role_mappings, ilm, ingest_pipelines, index_templates
 * (filesettings.NewEmptySettings). Elasticsearch applies the file whole or not at all: without a
 * handler for slm and ilm it refuses it ("Missing handler definition for content key [slm]"), and
 * the elected master opens its readiness port (readiness.port, which ECK's readiness probe checks)
 * only once file settings have been applied: the pods would never become ready. (From 9.5 on ECK
 * also writes cluster_secrets, but only for a cluster annotated
 * eck.k8s.elastic.co/file-based-secure-settings: "true"; this distribution has no handler for it
 * either, and none stands in for it here.)
 *
 * <p>The handlers carry the modules' names and optional dependency (snapshot_repositories), as
 * ReservedSnapshotAction and ReservedLifecycleAction do. They accept only an empty object, what ECK
 * writes when no policy is declared, and change nothing; anything else is refused, so a test that
 * declares policies fails with a message naming the missing module instead of passing without
 * them. The providers that hand them to Elasticsearch differ between versions (a variant each):
 * 8.x takes cluster handlers only; in 9.x ILM's is a project handler ({@link #check} is shared).
 */
public final class FileSettingsStandIns {

    static final String SLM = "slm";
    static final String ILM = "ilm";

    private FileSettingsStandIns() {}

    /** What the handlers read: the key's value as a map (an object is required, as for the real ones). */
    static Object parse(XContentParser parser) throws IOException {
        return parser.map();
    }

    /** Refuses any content but {}: the module that would apply it is not in this distribution. */
    static void check(String name, Object source) {
        if (source instanceof Map<?, ?> map && map.isEmpty()) {
            return;
        }
        String module = SLM.equals(name) ? "x-pack-slm" : "x-pack-ilm";
        String what = SLM.equals(name) ? "snapshot lifecycle policies" : "index lifecycle policies";
        throw new IllegalArgumentException(
            "["
                + name
                + "] holds "
                + what
                + ", but module "
                + module
                + " is not in this distribution (ecr's Elasticsearch image, built from the integ-test-zip):"
                + " ecr-missing-modules accepts only an empty ["
                + name
                + "]: {}"
        );
    }

    static Collection<String> optionalDependencies() {
        return List.of("snapshot_repositories");
    }

    /** A stand-in registered as a cluster handler: slm in 8.x and 9.x, ilm in 8.x. */
    static final class ClusterHandler implements ReservedClusterStateHandler<Object> {
        private final String name;

        ClusterHandler(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public TransformState transform(Object source, TransformState prevState) {
            check(name, source);
            return new TransformState(prevState.state(), Set.of());
        }

        @Override
        public ClusterState remove(TransformState prevState) {
            return prevState.state();
        }

        @Override
        public Object fromXContent(XContentParser parser) throws IOException {
            return parse(parser);
        }

        @Override
        public Collection<String> optionalDependencies() {
            return FileSettingsStandIns.optionalDependencies();
        }
    }
}
