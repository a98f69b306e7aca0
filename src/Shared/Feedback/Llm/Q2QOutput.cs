using System.Text.Json;

namespace Impact.Shared.Feedback.Llm;

/// <summary>
/// The structured output an LLM must give for one text: the JSON schema sent with the request (the labels of
/// SPEC §H as closed sets) and the check of an answer against it — labels from the allowed sets only, evidence
/// that is a snippet of the text at a position inside it. Anything else is malformed, and the call is retried.
/// </summary>
public static class Q2QOutput
{
    /// <summary>The prompt version this schema and instruction belong to.</summary>
    public const string PromptVersion = "q2q-v1";

    /// <summary>Allowed <c>language_comfort</c> values.</summary>
    public static readonly IReadOnlyList<string> LanguageComfort = ["low", "medium", "high"];

    /// <summary>Allowed employability signals.</summary>
    public static readonly IReadOnlyList<string> EmployabilitySignals =
        ["job_search", "skills_gained", "networking", "resume_improvement", "interview_prep", "certification", "portfolio_building", "career_goal_setting"];

    /// <summary>Allowed risk cues.</summary>
    public static readonly IReadOnlyList<string> RiskCues =
        ["isolation", "frustration", "disengagement", "anxiety", "dropout_indication", "confusion", "negative_self_talk", "lack_of_support"];

    /// <summary>Allowed topics.</summary>
    public static readonly IReadOnlyList<string> Topics = ["cv", "interview", "project_management", "software_dev", "networking", "mentorship"];

    private static readonly string[] Flags = ["confidence_increase", "confidence_decrease", "belonging_increase", "belonging_decrease"];

    /// <summary>Labels an evidence item may name.</summary>
    public static readonly IReadOnlySet<string> EvidenceLabels =
        new HashSet<string>([.. Flags, "language_comfort", .. EmployabilitySignals, .. RiskCues, .. Topics], StringComparer.Ordinal);

    /// <summary>The system instruction.</summary>
    public const string Instruction = """
        You label short feedback texts written by refugees and newcomers after language practice or mentoring sessions
        (English, Ukrainian or Norwegian). Personal data in the text is masked as [EMAIL], [PHONE] and similar: leave it so.
        Answer with one JSON object that follows the schema, and nothing else:
        - confidence_increase / confidence_decrease, belonging_increase / belonging_decrease: true only when the text says so;
        - language_comfort: how comfortable the writer is with the session language (low, medium, high);
        - employability_signals, risk_cues, topics: only values from the schema's lists, each at most once;
        - evidence: for each label you set, the exact words of the text that support it (snippet, copied verbatim),
          the label, and the 0-based character position where the snippet starts in the text.
        """;

    /// <summary>The JSON schema of the answer.</summary>
    public static readonly JsonElement Schema = JsonDocument.Parse(
        $$"""
        {
          "type": "object",
          "additionalProperties": false,
          "required": ["confidence_increase", "confidence_decrease", "belonging_increase", "belonging_decrease",
                       "language_comfort", "employability_signals", "risk_cues", "topics", "evidence"],
          "properties": {
            "confidence_increase": { "type": "boolean" },
            "confidence_decrease": { "type": "boolean" },
            "belonging_increase": { "type": "boolean" },
            "belonging_decrease": { "type": "boolean" },
            "language_comfort": { "type": "string", "enum": {{Json(LanguageComfort)}} },
            "employability_signals": { "type": "array", "items": { "type": "string", "enum": {{Json(EmployabilitySignals)}} } },
            "risk_cues": { "type": "array", "items": { "type": "string", "enum": {{Json(RiskCues)}} } },
            "topics": { "type": "array", "items": { "type": "string", "enum": {{Json(Topics)}} } },
            "evidence": {
              "type": "array",
              "items": {
                "type": "object",
                "additionalProperties": false,
                "required": ["snippet", "label", "position"],
                "properties": {
                  "snippet": { "type": "string" },
                  "label": { "type": "string", "enum": {{Json(EvidenceLabels.Order(StringComparer.Ordinal))}} },
                  "position": { "type": "integer", "minimum": 0 }
                }
              }
            }
          }
        }
        """).RootElement.Clone();

    /// <summary>
    /// Reads and checks an answer for <paramref name="maskedText"/>. Returns the labels, or null and what is wrong (the
    /// error names fields and positions, never the text). A snippet found in the text at another position than stated is
    /// accepted at the position where it really is; one that is not in the text is an error.
    /// </summary>
    public static (Q2QLabels? Labels, string? Error) Parse(string? answer, string maskedText)
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            return (null, "empty answer");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(StripFence(answer));
        }
        catch (JsonException)
        {
            return (null, "not valid JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "not a JSON object");
            }

            var flags = new bool[Flags.Length];
            for (var i = 0; i < Flags.Length; i++)
            {
                if (!root.TryGetProperty(Flags[i], out var flag) || flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return (null, $"{Flags[i]} must be true or false");
                }

                flags[i] = flag.GetBoolean();
            }

            if (!root.TryGetProperty("language_comfort", out var comfort) || comfort.ValueKind != JsonValueKind.String
                || !LanguageComfort.Contains(comfort.GetString()))
            {
                return (null, "language_comfort must be low, medium or high");
            }

            var (signals, signalError) = Set(root, "employability_signals", EmployabilitySignals);
            var (cues, cueError) = Set(root, "risk_cues", RiskCues);
            var (topics, topicError) = Set(root, "topics", Topics);
            if ((signalError ?? cueError ?? topicError) is { } setError)
            {
                return (null, setError);
            }

            if (!root.TryGetProperty("evidence", out var evidence) || evidence.ValueKind != JsonValueKind.Array)
            {
                return (null, "evidence must be an array");
            }

            var items = new List<EvidenceItem>();
            var n = 0;
            foreach (var e in evidence.EnumerateArray())
            {
                n++;
                if (e.ValueKind != JsonValueKind.Object
                    || !e.TryGetProperty("snippet", out var snippetValue) || snippetValue.ValueKind != JsonValueKind.String
                    || !e.TryGetProperty("label", out var labelValue) || labelValue.ValueKind != JsonValueKind.String
                    || !e.TryGetProperty("position", out var positionValue) || !positionValue.TryGetInt32(out var position))
                {
                    return (null, $"evidence {n} needs snippet, label and position");
                }

                var snippet = snippetValue.GetString()!;
                var label = labelValue.GetString()!;
                if (!EvidenceLabels.Contains(label))
                {
                    return (null, $"evidence {n}: label is not one of the allowed labels");
                }

                if (snippet.Length == 0)
                {
                    return (null, $"evidence {n}: empty snippet");
                }

                if (position < 0 || position + snippet.Length > maskedText.Length
                    || string.CompareOrdinal(maskedText, position, snippet, 0, snippet.Length) != 0)
                {
                    position = maskedText.IndexOf(snippet, StringComparison.Ordinal);
                    if (position < 0)
                    {
                        return (null, $"evidence {n}: the snippet is not in the text");
                    }
                }

                items.Add(new EvidenceItem(snippet, label, position, snippet.Length));
            }

            return (new Q2QLabels(flags[0], flags[1], flags[2], flags[3], comfort.GetString()!, signals!, cues!, topics!, items), null);
        }
    }

    private static (IReadOnlyList<string>? Values, string? Error) Set(JsonElement root, string name, IReadOnlyList<string> allowed)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return (null, $"{name} must be an array");
        }

        var values = new List<string>();
        foreach (var v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.String || !allowed.Contains(v.GetString()))
            {
                return (null, $"{name} holds a value outside the allowed set");
            }

            if (!values.Contains(v.GetString()!))
            {
                values.Add(v.GetString()!);
            }
        }

        return (values, null);
    }

    // Some models wrap JSON in a Markdown fence even when asked not to.
    private static string StripFence(string answer)
    {
        var t = answer.Trim();
        if (!t.StartsWith("```", StringComparison.Ordinal))
        {
            return t;
        }

        var start = t.IndexOf('\n');
        var end = t.LastIndexOf("```", StringComparison.Ordinal);
        return start > 0 && end > start ? t[(start + 1)..end] : t;
    }

    private static string Json(IEnumerable<string> values) => JsonSerializer.Serialize(values);
}
