package ecr.missingmodules;

import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.ProjectId;
import org.elasticsearch.reservedstate.ReservedClusterStateHandler;
import org.elasticsearch.reservedstate.ReservedProjectStateHandler;
import org.elasticsearch.reservedstate.ReservedStateHandlerProvider;
import org.elasticsearch.reservedstate.TransformState;
import org.elasticsearch.xcontent.XContentParser;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Hands Elasticsearch the file-settings stand-ins ({@link FileSettingsStandIns}) where plugins give
 * cluster and project handlers through ReservedStateHandlerProvider (9.x). As in the real modules,
 * slm's is a cluster handler and ilm's a project handler (which Elasticsearch applies to the default
 * project when the file is the node's own).
 */
public final class FileSettingsProvider implements ReservedStateHandlerProvider {
    @Override
    public Collection<ReservedClusterStateHandler<?>> clusterHandlers() {
        return List.of(new FileSettingsStandIns.ClusterHandler(FileSettingsStandIns.SLM));
    }

    @Override
    public Collection<ReservedProjectStateHandler<?>> projectHandlers() {
        return List.of(new Ilm());
    }

    static final class Ilm implements ReservedProjectStateHandler<Object> {
        @Override
        public String name() {
            return FileSettingsStandIns.ILM;
        }

        @Override
        public TransformState transform(ProjectId projectId, Object source, TransformState prevState) {
            FileSettingsStandIns.check(FileSettingsStandIns.ILM, source);
            return new TransformState(prevState.state(), Set.of());
        }

        @Override
        public ClusterState remove(ProjectId projectId, TransformState prevState) {
            return prevState.state();
        }

        @Override
        public Object fromXContent(XContentParser parser) throws IOException {
            return FileSettingsStandIns.parse(parser);
        }

        @Override
        public Collection<String> optionalDependencies() {
            return FileSettingsStandIns.optionalDependencies();
        }
    }
}
