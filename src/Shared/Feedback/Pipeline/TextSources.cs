namespace Impact.Shared.Feedback.Pipeline;

/// <summary>Where a text came from (<c>impact.texts.source</c>), and the content types <c>POST /v1/texts</c> accepts.</summary>
public static class TextSources
{
    /// <summary>A Kintell rating's feedback text (webhook or backfill); content id = the rating's external id.</summary>
    public const string KintellRating = "kintell_rating";

    /// <summary>Sent with <c>POST /v1/texts</c>.</summary>
    public const string Api = "api";

    /// <summary>The content type of rating feedback.</summary>
    public const string FeedbackText = "feedback_text";

    /// <summary>Every content type a text may have.</summary>
    public static readonly IReadOnlyList<string> ContentTypes = [FeedbackText, "checkin_note", "message", "other"];

    /// <summary>The longest text accepted, in characters.</summary>
    public const int MaxTextLength = 10_000;
}
