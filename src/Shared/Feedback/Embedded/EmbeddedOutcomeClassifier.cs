namespace Impact.Shared.Feedback.Embedded;

/// <summary>
/// The default Q2Q classifier (provider <c>embedded</c>): the committed <see cref="EmbeddedModel"/> applied in
/// process — offline, no key, no tokens, and deterministic (same text → same labels and evidence). Evidence for
/// each label is the words around the one that pushed that label up most, with its position in the masked text.
/// </summary>
public sealed class EmbeddedOutcomeClassifier : IOutcomeClassifier
{
    /// <summary>The provider name stored with each score.</summary>
    public const string ProviderName = "embedded";

    private const int EvidenceWindow = 3;

    private readonly EmbeddedModel _model;
    private readonly Dictionary<string, int> _index;
    private readonly double[][] _weights;
    private readonly Dictionary<string, int> _labelSlot;

    /// <summary>The classifier over the model compiled into Shared.</summary>
    public EmbeddedOutcomeClassifier()
        : this(EmbeddedModel.LoadEmbedded())
    {
    }

    /// <summary>The classifier over <paramref name="model"/> (tests and the trainer use other models).</summary>
    public EmbeddedOutcomeClassifier(EmbeddedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _index = new Dictionary<string, int>(model.Features.Count, StringComparer.Ordinal);
        for (var i = 0; i < model.Features.Count; i++)
        {
            _index[model.Features[i]] = i;
        }

        _weights = model.Labels.Select(l =>
        {
            var dense = new double[model.Features.Count];
            for (var k = 0; k < l.Indices.Count; k++)
            {
                dense[l.Indices[k]] = l.Weights[k];
            }

            return dense;
        }).ToArray();
        _labelSlot = model.Labels.Select((l, i) => (l.Key, i)).ToDictionary(x => x.Key, x => x.i, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public string Provider => ProviderName;

    /// <summary>The model id stored with each score.</summary>
    public string ModelId => _model.ModelId;

    /// <summary>The prompt (recipe) version stored with each score.</summary>
    public string PromptVersion => _model.PromptVersion;

    /// <inheritdoc />
    public Task<ClassificationResult> ClassifyAsync(ClassificationRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Task.FromResult(new ClassificationResult(Classify(request.MaskedText), null, _model.ModelId, ProviderName, _model.PromptVersion));
    }

    /// <summary>The labels of one (masked) text, synchronously.</summary>
    public Q2QLabels Classify(string maskedText)
    {
        ArgumentNullException.ThrowIfNull(maskedText);
        var tokens = TextFeatures.Tokenize(maskedText);
        var features = TextFeatures.Extract(tokens)
            .Select(f => (Index: _index.GetValueOrDefault(f.Name, -1), f.First, f.Last))
            .Where(f => f.Index >= 0)
            .ToList();
        var value = features.Count == 0 ? 0 : 1 / Math.Sqrt(features.Count);

        var fired = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var slot = 0; slot < _model.Labels.Count; slot++)
        {
            var label = _model.Labels[slot];
            var score = label.Bias;
            foreach (var f in features)
            {
                score += _weights[slot][f.Index] * value;
            }

            var p = EmbeddedModelTrainer.Sigmoid(score);
            if (p >= label.Threshold)
            {
                // How far past its own threshold: decides between low and high comfort when both fire.
                fired[label.Key] = p / label.Threshold;
            }
        }

        var low = fired.GetValueOrDefault(Q2QLabelCatalog.LanguageComfortPrefix + "low");
        var high = fired.GetValueOrDefault(Q2QLabelCatalog.LanguageComfortPrefix + "high");
        var comfort = low == 0 && high == 0 ? "medium" : low >= high ? "low" : "high";
        fired.Remove(Q2QLabelCatalog.LanguageComfortPrefix + (comfort == "low" ? "high" : "low"));

        var evidence = new List<EvidenceItem>();
        foreach (var key in Q2QLabelCatalog.AllKeys.Where(fired.ContainsKey))
        {
            var item = Evidence(maskedText, tokens, features, value, key);
            if (item is not null)
            {
                evidence.Add(item);
            }
        }

        List<string> Listed(string prefix, IReadOnlyList<string> names) =>
            names.Where(n => fired.ContainsKey(prefix + n)).ToList();

        return new Q2QLabels(
            fired.ContainsKey(Q2QLabelCatalog.ConfidenceIncrease),
            fired.ContainsKey(Q2QLabelCatalog.ConfidenceDecrease),
            fired.ContainsKey(Q2QLabelCatalog.BelongingIncrease),
            fired.ContainsKey(Q2QLabelCatalog.BelongingDecrease),
            comfort,
            Listed(Q2QLabelCatalog.EmployabilityPrefix, Q2QLabelCatalog.EmployabilitySignals),
            Listed(Q2QLabelCatalog.RiskPrefix, Q2QLabelCatalog.RiskCues),
            Listed(Q2QLabelCatalog.TopicPrefix, Q2QLabelCatalog.Topics),
            evidence);
    }

    // The token with the largest positive contribution to the label (a feature's weight shared out over the
    // words it spans), widened by a few words on each side without crossing a sentence end.
    private EvidenceItem? Evidence(string text, List<TextToken> tokens, List<(int Index, int First, int Last)> features, double value, string key)
    {
        var weights = _weights[_labelSlot[key]];
        var contribution = new double[tokens.Count];
        foreach (var f in features)
        {
            var share = weights[f.Index] * value / (f.Last - f.First + 1);
            for (var t = f.First; t <= f.Last; t++)
            {
                contribution[t] += share;
            }
        }

        var best = -1;
        for (var t = 0; t < tokens.Count; t++)
        {
            if (contribution[t] > 0 && (best < 0 || contribution[t] > contribution[best]))
            {
                best = t;
            }
        }

        if (best < 0)
        {
            return null;
        }

        var first = best;
        while (first > 0 && best - first < EvidenceWindow && !SentenceBreak(text, tokens[first - 1], tokens[first]))
        {
            first--;
        }

        var last = best;
        while (last + 1 < tokens.Count && last - best < EvidenceWindow && !SentenceBreak(text, tokens[last], tokens[last + 1]))
        {
            last++;
        }

        var start = tokens[first].Start;
        var length = tokens[last].Start + tokens[last].Length - start;
        return new EvidenceItem(text.Substring(start, length), key, start, length);
    }

    private static bool SentenceBreak(string text, TextToken left, TextToken right)
    {
        for (var i = left.Start + left.Length; i < right.Start; i++)
        {
            if (text[i] is '.' or '!' or '?' or '\n' or ';')
            {
                return true;
            }
        }

        return false;
    }
}
