using System.Globalization;
using System.Text;

namespace Impact.TestSupport.Backfill;

/// <summary>A row the generator made invalid on purpose, and a word its error message must contain.</summary>
public sealed record BadRow(long RecordNumber, string SessionId, string ExpectedReason);

/// <summary>
/// Builds Kintell sessions CSV files: realistic rows (quoted feedback with commas, quotes and
/// line breaks; some empty ratings and levels) with every <c>badEvery</c>-th row broken in one
/// of four ways — bad session type, bad e-mail, bad CEFR level, broken quoting.
/// </summary>
public sealed class KintellSessionsCsv
{
    public const string Header = "session_id,session_type,participant_email,volunteer_email,date,duration_min,rating,feedback_text,language_level";

    public int Rows { get; init; } = 1000;

    /// <summary>0 = no bad rows.</summary>
    public int BadEvery { get; init; }

    public char Delimiter { get; init; } = ',';

    public string NewLine { get; init; } = "\n";

    public bool Bom { get; init; }

    /// <summary>Prefix of session ids, so two files can be told apart.</summary>
    public string IdPrefix { get; init; } = "S";

    public List<BadRow> BadRows { get; } = [];

    public static string SessionId(string prefix, int i) => $"{prefix}{i:D7}";

    public static bool HasRating(int i) => i % 7 != 0;

    /// <summary>Writes the file; fills <see cref="BadRows"/>.</summary>
    public void WriteTo(Stream stream)
    {
        BadRows.Clear();
        using var writer = new StreamWriter(stream, new UTF8Encoding(Bom), 1 << 16, leaveOpen: true);
        writer.Write(Delimiter == ',' ? Header : Header.Replace(',', ';'));
        writer.Write(NewLine);
        var d = Delimiter;
        for (var i = 1; i <= Rows; i++)
        {
            var id = SessionId(IdPrefix, i);
            var type = i % 2 == 0 ? "Language practice" : "Mentorship call";
            var participant = $"participant{i % 5000}@example.org";
            var volunteer = $"Volunteer{i % 300}@Acme.example";
            var date = new DateTime(2025, 1, 1, 9, 0, 0, DateTimeKind.Utc).AddMinutes(i).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var duration = (30 + i % 60).ToString(CultureInfo.InvariantCulture);
            var rating = HasRating(i) ? (1 + i % 5).ToString(CultureInfo.InvariantCulture) : "";
            var feedback = (i % 4) switch
            {
                0 => $"\"Great{d} \"\"really\"\" helpful\"",
                1 => "\"Two lines:" + NewLine + "second line\"",
                2 => "",
                _ => "Fine",
            };
            var level = i % 3 == 0 ? "" : new[] { "a1", "A2", "b1", "B2", "c1", "C2" }[i % 6];

            if (BadEvery > 0 && i % BadEvery == 0)
            {
                switch (i / BadEvery % 4)
                {
                    case 0:
                        type = "Cooking class";
                        BadRows.Add(new BadRow(i + 1, id, "session_type"));
                        break;
                    case 1:
                        participant = "not-an-email";
                        BadRows.Add(new BadRow(i + 1, id, "participant_email"));
                        break;
                    case 2:
                        level = "D4";
                        BadRows.Add(new BadRow(i + 1, id, "language_level"));
                        break;
                    default:
                        feedback = "\"Closed\" then text";
                        BadRows.Add(new BadRow(i + 1, id, "quote"));
                        break;
                }
            }

            writer.Write(string.Join(d, id, type, participant, volunteer, date, duration, rating, feedback, level));
            writer.Write(NewLine);
        }
    }

    public byte[] ToBytes()
    {
        using var ms = new MemoryStream();
        WriteTo(ms);
        return ms.ToArray();
    }

    public IReadOnlyList<string> GoodSessionIds() =>
        Enumerable.Range(1, Rows).Select(i => SessionId(IdPrefix, i)).Except(BadRows.Select(b => b.SessionId)).ToList();
}
