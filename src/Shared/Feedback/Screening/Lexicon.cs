using System.Globalization;
using System.Reflection;

namespace Impact.Shared.Feedback.Screening;

/// <summary>
/// One language's word lists (an embedded <c>Lexicons/&lt;lang&gt;.txt</c>): entries of one or more
/// word slots, each slot a set of whole surface forms (stems expanded with the language's
/// inflection suffixes at load time), so matching a word is a dictionary lookup.
/// </summary>
internal sealed class Lexicon
{
    private readonly Dictionary<string, List<LexiconEntry>> _byFirstForm = new(StringComparer.Ordinal);
    private readonly List<LexiconEntry> _entries = [];

    private Lexicon(string language) => Language = language;

    public string Language { get; }

    public IReadOnlyList<LexiconEntry> Entries => _entries;

    public static Lexicon Load(string language)
    {
        var name = $"Impact.Shared.Feedback.Screening.Lexicons.{language}.txt";
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The screening lexicon {name} is not embedded.");
        using var reader = new StreamReader(stream);
        return Parse(language, reader.ReadToEnd());
    }

    public static Lexicon Parse(string language, string text)
    {
        var lexicon = new Lexicon(language);
        var classes = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts[0] == "@class")
            {
                // @class n = - s es
                if (parts.Length < 4 || parts[2] != "=")
                {
                    throw Bad(language, lineNumber, "a class line is '@class <name> = <suffix> ...'");
                }

                classes[parts[1]] = [.. parts.Skip(3).Select(s => s == "-" ? "" : s)];
                continue;
            }

            if (parts.Length < 3 || !SafetyCategories.All.Contains(parts[0])
                || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) || weight is <= 0 or > 1)
            {
                throw Bad(language, lineNumber, "an entry is '<category> <weight 0–1> <slot> ...'");
            }

            var slots = new List<LexiconSlot>();
            foreach (var spec in parts.Skip(2))
            {
                var optional = spec.EndsWith('?');
                var negative = spec.StartsWith('!');
                var alternatives = (optional ? spec[..^1] : spec).TrimStart('!').Split('|', StringSplitOptions.RemoveEmptyEntries);
                var forms = new HashSet<string>(StringComparer.Ordinal);
                foreach (var alternative in alternatives)
                {
                    var plus = alternative.IndexOf('+', StringComparison.Ordinal);
                    if (plus < 0)
                    {
                        forms.Add(alternative.ToLowerInvariant());
                        continue;
                    }

                    var stem = alternative[..plus].ToLowerInvariant();
                    if (!classes.TryGetValue(alternative[(plus + 1)..], out var suffixes))
                    {
                        throw Bad(language, lineNumber, $"unknown suffix class in '{alternative}'");
                    }

                    foreach (var suffix in suffixes)
                    {
                        forms.Add(stem + suffix);
                    }
                }

                slots.Add(new LexiconSlot(forms, optional, negative));
            }

            if (slots[0].Optional || slots[0].Negative)
            {
                throw Bad(language, lineNumber, "the first slot of an entry cannot be optional or negative");
            }

            // The reason names the entry by the first alternative of each required slot: "kill you", never the text's own words.
            var reason = string.Join(' ', parts.Skip(2).Where(s => !s.EndsWith('?') && !s.StartsWith('!')).Select(s => s.Split('|')[0].Split('+')[0].ToLowerInvariant()));
            var entry = new LexiconEntry(parts[0], weight, slots, reason);
            lexicon._entries.Add(entry);
            foreach (var form in slots[0].Forms)
            {
                if (!lexicon._byFirstForm.TryGetValue(form, out var list))
                {
                    lexicon._byFirstForm[form] = list = [];
                }

                list.Add(entry);
            }
        }

        return lexicon;
    }

    /// <summary>Every entry matched starting at <paramref name="index"/>, with the number of words it spans.</summary>
    public void MatchAt(IReadOnlyList<WordToken> tokens, int index, List<(LexiconEntry Entry, int Words)> found)
    {
        var token = tokens[index];
        if (token.Masked)
        {
            foreach (var entry in _entries)
            {
                TryEntry(entry, tokens, index, found);
            }

            return;
        }

        foreach (var form in token.Forms)
        {
            if (_byFirstForm.TryGetValue(form, out var entries))
            {
                foreach (var entry in entries)
                {
                    TryEntry(entry, tokens, index, found);
                }
            }
        }
    }

    private static void TryEntry(LexiconEntry entry, IReadOnlyList<WordToken> tokens, int index, List<(LexiconEntry Entry, int Words)> found)
    {
        var words = Match(entry.Slots, 0, tokens, index);
        if (words > 0 && !found.Exists(f => ReferenceEquals(f.Entry, entry)))
        {
            found.Add((entry, words));
        }
    }

    // Words matched by slots[slot..] from tokens[index..], or -1. An optional slot is tried present
    // first, then absent; a negative slot ("!in|with") matches no word and fails when the next word is one of its forms.
    private static int Match(IReadOnlyList<LexiconSlot> slots, int slot, IReadOnlyList<WordToken> tokens, int index)
    {
        if (slot == slots.Count)
        {
            return 0;
        }

        var s = slots[slot];
        var next = index < tokens.Count && (slot == 0 || !tokens[index].BreakBefore) ? tokens[index] : null;
        if (s.Negative)
        {
            return next is not null && s.Matches(next) ? -1 : Match(slots, slot + 1, tokens, index);
        }

        if (next is not null && s.Matches(next))
        {
            var rest = Match(slots, slot + 1, tokens, index + 1);
            if (rest >= 0)
            {
                return 1 + rest;
            }
        }

        return s.Optional ? Match(slots, slot + 1, tokens, index) : -1;
    }

    private static FormatException Bad(string language, int line, string what) =>
        new($"Screening lexicon '{language}', line {line}: {what}.");
}
