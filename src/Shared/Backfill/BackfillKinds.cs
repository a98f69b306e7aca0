namespace Impact.Shared.Backfill;

/// <summary>The kinds of file a backfill accepts.</summary>
public static class BackfillKinds
{
    /// <summary>The Kintell sessions export.</summary>
    public const string KintellSessions = "kintell-sessions";

    /// <summary>The Kintell users export.</summary>
    public const string KintellUsers = "kintell-users";

    /// <summary>Column names of a kind, in the partner's order.</summary>
    public static IReadOnlyList<string> Columns(string kind) => kind switch
    {
        KintellSessions => KintellSessionRows.Columns,
        KintellUsers => KintellUserRows.Columns,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown backfill kind"),
    };

    /// <summary>Columns a file of this kind must have.</summary>
    public static IReadOnlyList<string> RequiredColumns(string kind) => kind switch
    {
        KintellSessions => KintellSessionRows.RequiredColumns,
        KintellUsers => KintellUserRows.RequiredColumns,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown backfill kind"),
    };
}
