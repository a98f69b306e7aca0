namespace Impact.Shared.Feedback;

/// <summary>
/// The label vocabulary of SPEC §H and the flat label keys used for training, evidence and evaluation:
/// the four flags by name, <c>language_comfort.low|medium|high</c>, and <c>employability_signals.*</c>,
/// <c>risk_cues.*</c>, <c>topics.*</c> (qualified, because <c>networking</c> is both a signal and a topic).
/// </summary>
public static class Q2QLabelCatalog
{
    /// <summary>The <c>language_comfort</c> values, lowest first.</summary>
    public static readonly IReadOnlyList<string> LanguageComfortValues = ["low", "medium", "high"];

    /// <summary>The employability signals of §H, in the order of the spec.</summary>
    public static readonly IReadOnlyList<string> EmployabilitySignals =
        ["job_search", "skills_gained", "networking", "resume_improvement", "interview_prep", "certification", "portfolio_building", "career_goal_setting"];

    /// <summary>The risk cues of §H, in the order of the spec.</summary>
    public static readonly IReadOnlyList<string> RiskCues =
        ["isolation", "frustration", "disengagement", "anxiety", "dropout_indication", "confusion", "negative_self_talk", "lack_of_support"];

    /// <summary>The topics of §H, in the order of the spec.</summary>
    public static readonly IReadOnlyList<string> Topics = ["cv", "interview", "project_management", "software_dev", "networking", "mentorship"];

    /// <summary>Key of <see cref="Q2QLabels.ConfidenceIncrease"/>.</summary>
    public const string ConfidenceIncrease = "confidence_increase";
    /// <summary>Key of <see cref="Q2QLabels.ConfidenceDecrease"/>.</summary>
    public const string ConfidenceDecrease = "confidence_decrease";
    /// <summary>Key of <see cref="Q2QLabels.BelongingIncrease"/>.</summary>
    public const string BelongingIncrease = "belonging_increase";
    /// <summary>Key of <see cref="Q2QLabels.BelongingDecrease"/>.</summary>
    public const string BelongingDecrease = "belonging_decrease";
    /// <summary>Prefix of the language comfort keys.</summary>
    public const string LanguageComfortPrefix = "language_comfort.";
    /// <summary>Prefix of the employability signal keys.</summary>
    public const string EmployabilityPrefix = "employability_signals.";
    /// <summary>Prefix of the risk cue keys.</summary>
    public const string RiskPrefix = "risk_cues.";
    /// <summary>Prefix of the topic keys.</summary>
    public const string TopicPrefix = "topics.";

    /// <summary>Every label key, in a fixed order: flags, language comfort, signals, risk cues, topics.</summary>
    public static readonly IReadOnlyList<string> AllKeys =
    [
        ConfidenceIncrease, ConfidenceDecrease, BelongingIncrease, BelongingDecrease,
        .. LanguageComfortValues.Select(v => LanguageComfortPrefix + v),
        .. EmployabilitySignals.Select(v => EmployabilityPrefix + v),
        .. RiskCues.Select(v => RiskPrefix + v),
        .. Topics.Select(v => TopicPrefix + v),
    ];

    /// <summary>The keys that hold for <paramref name="labels"/> (exactly one language comfort key), in the order of <see cref="AllKeys"/>.</summary>
    public static IReadOnlyList<string> KeysOf(Q2QLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var keys = new HashSet<string>(StringComparer.Ordinal) { LanguageComfortPrefix + labels.LanguageComfort };
        if (labels.ConfidenceIncrease) keys.Add(ConfidenceIncrease);
        if (labels.ConfidenceDecrease) keys.Add(ConfidenceDecrease);
        if (labels.BelongingIncrease) keys.Add(BelongingIncrease);
        if (labels.BelongingDecrease) keys.Add(BelongingDecrease);
        foreach (var s in labels.EmployabilitySignals) keys.Add(EmployabilityPrefix + s);
        foreach (var r in labels.RiskCues) keys.Add(RiskPrefix + r);
        foreach (var t in labels.Topics) keys.Add(TopicPrefix + t);
        return AllKeys.Where(keys.Contains).ToList();
    }
}
