package ecr.missingmodules;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.email.UAX29URLEmailTokenizer;
import org.apache.lucene.analysis.miscellaneous.RemoveDuplicatesTokenFilter;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Stand-ins for the three pieces of the analysis-common module that the security index needs and
 * the integ-test-zip lacks: its "email" analyzer is the tokenizer uax_url_email with the filters
 * pattern_capture, lowercase and unique (elastic/elasticsearch
 * x-pack/plugin/security/src/main/java/org/elasticsearch/xpack/security/support/SecuritySystemIndices.java).
 * Without them Elasticsearch cannot create .security-7, so no API key can be made ("Unknown
 * filter type [pattern_capture]"; lowercase is the server's own). Each is Lucene's class
 * (lucene-analysis-common, in the distribution's lib/), but for unique across the stream, a filter
 * of ours, with the settings and defaults of the module's factory, in
 * modules/analysis-common/src/main/java/org/elasticsearch/analysis/common/:
 * PatternCaptureGroupTokenFilterFactory (patterns, required; preserve_original, true),
 * UniqueTokenFilterFactory and UniqueTokenFilter (only_on_same_position, false: duplicates
 * across the stream are dropped), UAX29URLEmailTokenizerFactory (max_token_length,
 * StandardAnalyzer's default); CommonAnalysisPlugin registers them under these names, the
 * pattern_capture filter as requiring settings. The factories implement Elasticsearch's
 * interfaces directly, whose methods are the same in 8.x and 9.x (AbstractTokenFilterFactory's
 * constructor is not).
 */
final class EmailAnalysis {

    private EmailAnalysis() {}

    static Map<String, AnalysisProvider<TokenFilterFactory>> tokenFilters() {
        return Map.of(
            "pattern_capture",
            AnalysisPlugin.requiresAnalysisSettings((index, environment, name, settings) -> patternCapture(name, settings)),
            "unique",
            (index, environment, name, settings) -> unique(name, settings)
        );
    }

    static Map<String, AnalysisProvider<TokenizerFactory>> tokenizers() {
        return Map.of("uax_url_email", (index, environment, name, settings) -> {
            int maxTokenLength = settings.getAsInt("max_token_length", StandardAnalyzer.DEFAULT_MAX_TOKEN_LENGTH);
            return TokenizerFactory.newFactory(name, () -> {
                UAX29URLEmailTokenizer tokenizer = new UAX29URLEmailTokenizer();
                tokenizer.setMaxTokenLength(maxTokenLength);
                return tokenizer;
            });
        });
    }

    private static TokenFilterFactory patternCapture(String name, Settings settings) {
        List<String> regexes = settings.getAsList("patterns", null);
        if (regexes == null) {
            throw new IllegalArgumentException("required setting 'patterns' is missing for token filter [" + name + "]");
        }
        Pattern[] patterns = regexes.stream().map(Pattern::compile).toArray(Pattern[]::new);
        boolean preserveOriginal = settings.getAsBoolean("preserve_original", true);
        return filter(name, input -> new PatternCaptureGroupTokenFilter(input, preserveOriginal, patterns));
    }

    private static TokenFilterFactory unique(String name, Settings settings) {
        // Only at the same position, it is Lucene's remove_duplicates; otherwise across the stream.
        boolean samePosition = settings.getAsBoolean("only_on_same_position", false);
        return filter(name, input -> samePosition ? new RemoveDuplicatesTokenFilter(input) : new FirstOccurrences(input));
    }

    private static TokenFilterFactory filter(String name, Function<TokenStream, TokenStream> create) {
        return new TokenFilterFactory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public TokenStream create(TokenStream input) {
                return create.apply(input);
            }
        };
    }

    /** Passes each term the first time the stream holds it, and drops it afterwards. */
    private static final class FirstOccurrences extends TokenFilter {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final CharArraySet seen = new CharArraySet(8, false);

        FirstOccurrences(TokenStream input) {
            super(input);
        }

        @Override
        public boolean incrementToken() throws IOException {
            while (input.incrementToken()) {
                if (seen.contains(term.buffer(), 0, term.length()) == false) {
                    seen.add(term.toString());
                    return true;
                }
            }
            return false;
        }

        @Override
        public void reset() throws IOException {
            super.reset();
            seen.clear();
        }
    }
}
