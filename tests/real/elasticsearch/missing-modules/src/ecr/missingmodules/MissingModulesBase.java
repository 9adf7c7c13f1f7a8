package ecr.missingmodules;

import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestHandler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * ecr's stand-ins for the Elasticsearch modules that ECK needs and that the integ-test-zip
 * distribution run by ecr's real test stack lacks: rest-root (GET /, {@link RestRoot}),
 * x-pack-shutdown (the node shutdown API, {@link NodeShutdown}), analysis-common (the analysis of
 * the security index, without which no API key can be made, {@link EmailAnalysis}), and
 * x-pack-slm and x-pack-ilm (their file-based settings handlers, {@link FileSettingsStandIns},
 * which Elasticsearch loads through a service, FileSettingsProvider, not through this class).
 *
 * <p>MissingModulesPlugin, the class Elasticsearch loads, adds getRestHandlers, whose parameters
 * differ between versions; the build compiles the variant that the distribution's ActionPlugin fits.
 */
public abstract class MissingModulesBase extends Plugin implements ActionPlugin, AnalysisPlugin {

    // A raw Collection overrides both Collection<ActionHandler<? extends ActionRequest, ? extends
    // ActionResponse>> (8.x) and Collection<ActionHandler> (9.x).
    @Override
    @SuppressWarnings("rawtypes")
    public Collection getActions() {
        List<ActionHandler> actions = new ArrayList<>(RestRoot.actions());
        actions.addAll(NodeShutdown.actions());
        return actions;
    }

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return EmailAnalysis.tokenFilters();
    }

    @Override
    public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
        return EmailAnalysis.tokenizers();
    }

    static List<RestHandler> restHandlers() {
        return List.of(new RestRoot.Rest(), new NodeShutdown.Rest());
    }
}
