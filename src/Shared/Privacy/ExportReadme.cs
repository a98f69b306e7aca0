namespace Impact.Shared.Privacy;

/// <summary>The <c>README.txt</c> at the top of an export ZIP, for the person who receives it.</summary>
internal static class ExportReadme
{
    public static string Text(Guid requestId, DateTimeOffset generatedAt) => $"""
        Your personal data — export {requestId}, generated {generatedAt:O}

        This archive holds everything this platform stores about you (GDPR Art. 15 and 20), one data set per file,
        each as JSON (an array of objects) and as CSV (UTF-8, comma-separated, RFC 4180 quoting):

          profile             your account: e-mail, name, role, employer
          sessions            language and mentorship sessions you took part in
          ratings             ratings and feedback you gave
          bookings            sessions booked for you
          webhook_deliveries  the messages our partner Kintell sent us about you, as received
          events              changes recorded about you
          privacy_requests    your export and erasure requests

        Data about other people inside your records (for example the other person in a session, or their
        e-mail address) is replaced by "{PrivacyMap.RedactedMarker}".

        manifest.json lists every file with its row count and SHA-256, so you can check nothing was altered
        (e.g. `sha256sum sessions.csv`).

        """;
}
