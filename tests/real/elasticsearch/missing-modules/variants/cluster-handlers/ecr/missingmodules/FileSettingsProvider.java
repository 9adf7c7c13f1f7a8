package ecr.missingmodules;

import org.elasticsearch.reservedstate.ReservedClusterStateHandler;
import org.elasticsearch.reservedstate.ReservedClusterStateHandlerProvider;

import java.util.Collection;
import java.util.List;

/**
 * Hands Elasticsearch the file-settings stand-ins ({@link FileSettingsStandIns}) where plugins give
 * cluster handlers only, through ReservedClusterStateHandlerProvider (8.19).
 */
public final class FileSettingsProvider implements ReservedClusterStateHandlerProvider {
    @Override
    public Collection<ReservedClusterStateHandler<?>> handlers() {
        return List.of(
            new FileSettingsStandIns.ClusterHandler(FileSettingsStandIns.SLM),
            new FileSettingsStandIns.ClusterHandler(FileSettingsStandIns.ILM)
        );
    }
}
