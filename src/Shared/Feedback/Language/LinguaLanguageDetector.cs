using System.Globalization;
using Lingua;
using LinguaLanguage = Lingua.Language;

namespace Impact.Shared.Feedback.Language;

/// <summary>
/// <see cref="ILanguageDetector"/> over Lingua for .NET (its n-gram models ship inside the package, so it
/// runs offline), restricted to the three languages we report plus the neighbours needed to reject them
/// (Danish, Swedish, Russian, German, …). Bokmål and Nynorsk count together as <c>no</c>; any other winner,
/// a text with too few letters, or a winner below <see cref="MinimumConfidence"/> is <c>unknown</c>.
/// Deterministic: Lingua's scores depend on the text only.
/// </summary>
public sealed class LinguaLanguageDetector : ILanguageDetector
{
    /// <summary>
    /// The candidates: what we report, the near neighbours that must come back <c>unknown</c>, and the
    /// commonest other languages of participants' texts in Latin and Cyrillic script.
    /// </summary>
    public static readonly IReadOnlyList<LinguaLanguage> Candidates =
    [
        LinguaLanguage.English, LinguaLanguage.Ukrainian, LinguaLanguage.Bokmal, LinguaLanguage.Nynorsk,
        LinguaLanguage.Danish, LinguaLanguage.Swedish, LinguaLanguage.Russian, LinguaLanguage.German,
        LinguaLanguage.Dutch, LinguaLanguage.Polish, LinguaLanguage.French, LinguaLanguage.Spanish,
    ];

    /// <summary>
    /// Below this share of the (Bokmål+Nynorsk folded, script-restricted) confidence the winner is not
    /// trusted. Tuned on the corpus training split with <c>dotnet run --project tools/Q2Q -- tune-language</c>.
    /// </summary>
    public const double MinimumConfidence = 0.0;

    /// <summary>Texts with fewer letters than this carry no language: <c>unknown</c>.</summary>
    public const int MinimumLetters = 3;

    /// <summary>
    /// A reported language must score at least this many times the runner-up candidate. Tuned on the
    /// corpus training split with <c>dotnet run --project tools/Q2Q -- tune-language</c>.
    /// </summary>
    public const double MinimumRatio = 1.0;

    private static readonly HashSet<LinguaLanguage> CyrillicCandidates =
        [LinguaLanguage.Ukrainian, LinguaLanguage.Russian, LinguaLanguage.Belarusian, LinguaLanguage.Bulgarian, LinguaLanguage.Macedonian, LinguaLanguage.Serbian, LinguaLanguage.Kazakh, LinguaLanguage.Mongolian];

    private readonly LanguageDetector _detector;
    private readonly double _minimumConfidence;
    private readonly double _minimumRatio;
    private readonly int _minimumLetters;
    private bool _raw;

    /// <summary>The production detector: <see cref="Candidates"/>, models preloaded, the tuned thresholds.</summary>
    public LinguaLanguageDetector()
        : this(LanguageDetectorBuilder.FromLanguages([.. Candidates]).WithPreloadedLanguageModels().Build(), MinimumConfidence, MinimumRatio, MinimumLetters)
    {
    }

    /// <summary>
    /// The production detector with its n-gram models read from <paramref name="modelsDirectory"/> instead of
    /// <c>Lingua/LanguageModels</c> under <see cref="AppContext.BaseDirectory"/> (where the package's build and publish copy
    /// them): used to check that a published output carries what the detector loads.
    /// </summary>
    public static LinguaLanguageDetector FromModelsDirectory(string modelsDirectory) =>
        new(LanguageDetectorBuilder.FromLanguages([.. Candidates]).WithLanguageModelsDirectory(modelsDirectory).WithPreloadedLanguageModels().Build(),
            MinimumConfidence, MinimumRatio, MinimumLetters);

    private LinguaLanguageDetector(LanguageDetector detector, double minimumConfidence, double minimumRatio, int minimumLetters)
    {
        _detector = detector;
        _minimumConfidence = minimumConfidence;
        _minimumRatio = minimumRatio;
        _minimumLetters = minimumLetters;
    }

    /// <summary>A detector over other candidates and thresholds (tuning, and the all-languages anchor of the tests).</summary>
    public static LinguaLanguageDetector Create(IEnumerable<LinguaLanguage> candidates, double minimumConfidence, double minimumRatio, int minimumLetters = MinimumLetters) =>
        new(LanguageDetectorBuilder.FromLanguages([.. candidates]).Build(), minimumConfidence, minimumRatio, minimumLetters);

    /// <summary>Lingua built from all its languages with no threshold, mapped the same way: the anchor our restriction is compared to.</summary>
    public static LinguaLanguageDetector AllLanguages() => new(LanguageDetectorBuilder.FromAllLanguages().Build(), 0, 0, 1) { _raw = true };

    /// <inheritdoc />
    public LanguageGuess Detect(string text)
    {
        if (_raw)
        {
            var raw = Map(_detector.DetectLanguageOf(text));
            return new LanguageGuess(raw is LanguageGuess.English or LanguageGuess.Ukrainian or LanguageGuess.Norwegian ? raw : LanguageGuess.Unknown, 1);
        }

        var scores = Score(text);
        if (scores.Count == 0)
        {
            return new LanguageGuess(LanguageGuess.Unknown, 0);
        }

        var (top, confidence) = scores[0];
        var runnerUp = scores.Count > 1 ? scores[1].Confidence : 0;
        if (top == "russian" && scores.Count > 1 && scores[1].Language is LanguageGuess.Ukrainian && UkrainianOverRussian(text, confidence))
        {
            return new LanguageGuess(LanguageGuess.Ukrainian, Math.Round(scores[1].Confidence, 4));
        }

        // Letters Ukrainian does not have (ы э ъ ё) and none it alone has: not Ukrainian, whatever the n-grams say.
        if (top is LanguageGuess.Ukrainian && HasAny(text, RussianOnlyLetters) && !HasAny(text, UkrainianOnlyLetters))
        {
            return new LanguageGuess(LanguageGuess.Unknown, Math.Round(1 - confidence, 4));
        }

        if (top is LanguageGuess.Norwegian)
        {
            var words = Words(text);
            // Written Danish and Swedish differ from both Norwegian standards in a few frequent words
            // and letters that Lingua's n-gram scores weigh too little in a short text.
            if (confidence < 0.9 && words.Any(NotNorwegian.Contains) || text.Contains('ä', StringComparison.OrdinalIgnoreCase) || text.Contains('ö', StringComparison.OrdinalIgnoreCase) || (confidence < 0.9 && DanishInfinitive(words)))
            {
                return new LanguageGuess(LanguageGuess.Unknown, Math.Round(1 - confidence, 4));
            }

            // Short English with a Norwegian name in it ("Registered at NAV and the job portal").
            if (scores.Count > 1 && scores[1].Language is LanguageGuess.English && words.Count(EnglishFunctionWords.Contains) >= 2 && !text.Any(c => c is 'æ' or 'ø' or 'å' or 'Æ' or 'Ø' or 'Å'))
            {
                return new LanguageGuess(LanguageGuess.English, Math.Round(scores[1].Confidence, 4));
            }
        }

        var reported = top is LanguageGuess.English or LanguageGuess.Ukrainian or LanguageGuess.Norwegian;
        // A reported language must beat every other candidate by the margin: a Danish text scores
        // Norwegian and Danish close together, a Norwegian one does not.
        return reported && confidence >= _minimumConfidence && confidence >= _minimumRatio * runnerUp
            ? new LanguageGuess(top, Math.Round(confidence, 4))
            : new LanguageGuess(LanguageGuess.Unknown, Math.Round(reported ? 1 - confidence : confidence, 4));
    }

    /// <summary>
    /// The candidates' confidences for <paramref name="text"/>, Bokmål and Nynorsk folded into <c>no</c>,
    /// restricted to the text's majority script (Latin or Cyrillic) and renormalised, best first (ties by
    /// name); empty for a text with too few letters.
    /// </summary>
    public IReadOnlyList<(string Language, double Confidence)> Score(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int latin = 0, cyrillic = 0;
        foreach (var c in text)
        {
            if (!char.IsLetter(c))
            {
                continue;
            }

            if (c is >= '\u0400' and <= '\u04FF')
            {
                cyrillic++;
            }
            else if (c < '\u0250')
            {
                latin++;
            }
        }

        if (latin + cyrillic < _minimumLetters)
        {
            return [];
        }

        // A Ukrainian sentence with an English course name in it is still Ukrainian: 30 % Cyrillic letters decide the family.
        var script = cyrillic * 10 >= (latin + cyrillic) * 3 ? CyrillicCandidates : null;
        var folded = new Dictionary<string, double>(StringComparer.Ordinal);
        // Lingua's own filter would drop the Cyrillic languages of a mixed text: score its Cyrillic words alone.
        var scored = script is not null && latin > 0 ? string.Join(' ', Words(text).Where(w => w.Any(c => c is >= '\u0400' and <= '\u04FF'))) : text;
        foreach (var (language, value) in _detector.ComputeLanguageConfidenceValues(scored))
        {
            if (script is not null ? !script.Contains(language) : CyrillicCandidates.Contains(language))
            {
                continue;
            }

            var key = Map(language);
            folded[key] = folded.GetValueOrDefault(key) + value;
        }

        var total = folded.Values.Sum();
        if (total <= 0)
        {
            return [];
        }

        return folded.Select(kv => (kv.Key, kv.Value / total))
            .OrderByDescending(x => x.Item2).ThenBy(x => x.Key, StringComparer.Ordinal)
            .ToList();
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var letter = i < text.Length && char.IsLetter(text[i]);
            if (letter && start < 0)
            {
                start = i;
            }
            else if (!letter && start >= 0)
            {
                words.Add(text[start..i].ToLowerInvariant());
                start = -1;
            }
        }

        return words;
    }

    // Lingua ranked Russian first and Ukrainian second: Ukrainian wins on letter evidence (і ї є ґ and none of ы э ъ ё),
    // or when the text has no Russian evidence at all (no Russian-only letter, no frequent Russian-only word) and Lingua's
    // preference is weak: a short text spelt the same in both languages ("до четверга") is, among participants who write
    // Ukrainian and are asked not to write Russian, Ukrainian. The mirror of the Danish check below: frequent Ukrainian
    // words spelt without Ukrainian-only letters ("добре добре" in the training split).
    private static bool UkrainianOverRussian(string text, double russian)
    {
        if (HasAny(text, RussianOnlyLetters))
        {
            return false;
        }

        if (HasAny(text, UkrainianOnlyLetters))
        {
            return true;
        }

        var words = Words(text);
        return russian < MaximumUnsupportedRussian && (words.Any(UkrainianWords.Contains) || !words.Any(RussianOnlyWords.Contains));
    }

    /// <summary>
    /// A Cyrillic text with no Russian evidence (letter or word) that Lingua scores Russian below this share is taken as
    /// Ukrainian. Tuned on the corpus training split: its Russian decoys without such evidence score Russian 0.92 or more,
    /// its Ukrainian short texts that Lingua prefers as Russian score below 0.9.
    /// </summary>
    public const double MaximumUnsupportedRussian = 0.9;

    private static bool HasAny(string text, string letters) => text.AsSpan().IndexOfAny(letters) >= 0;

    private const string RussianOnlyLetters = "ыэъёЫЭЪЁ";
    private const string UkrainianOnlyLetters = "іїєґІЇЄҐ";

    // Frequent Russian word forms that are not Ukrainian words (function words, pronouns, common adverbs and verbs of
    // everyday feedback), written from general knowledge of the two languages, not from the corpus. Forms with ы э ъ ё are
    // left out: the letters already decide.
    private static readonly HashSet<string> RussianOnlyWords = new(StringComparer.Ordinal)
    {
        "и", "с", "со", "к", "ко", "из", "но", "или", "если", "что", "как", "когда", "где", "здесь", "куда", "почему", "потому",
        "очень", "спасибо", "хорошо", "плохо", "сегодня", "вчера", "сейчас", "теперь", "всегда", "никогда", "ничего", "никто", "нет",
        "уже", "еще", "тоже", "только", "опять", "снова", "больше", "меньше", "лучше", "хуже", "мой", "мое", "мои", "мне", "меня",
        "мной", "тебя", "себя", "него", "нее", "ему", "его", "она", "оно", "они", "их", "кто", "чего", "чем", "всех", "всем", "был",
        "была", "было", "будет", "есть", "может", "можно", "нужно", "надо", "нельзя", "хочется", "понимаю", "говорят", "сказал",
        "помог", "занятие", "занятия", "встреча", "неделе", "неделю", "работа", "работу", "работать", "друзей", "большое", "новое",
        "много", "немного", "пока", "привет", "вообще", "конечно", "сразу", "потом", "после", "между",
    };

    // Danish "at" before an infinitive where Norwegian writes "å" ("svært at få", "lærte at skrive"); the Norwegian
    // conjunction "at" is followed by a subject instead.
    private static bool DanishInfinitive(List<string> words)
    {
        for (var i = 0; i + 1 < words.Count; i++)
        {
            if (words[i] == "at" && !Subjects.Contains(words[i + 1]) && (words[i + 1].EndsWith('e') || ShortVerbs.Contains(words[i + 1])))
            {
                return true;
            }
        }

        return false;
    }

    private static readonly HashSet<string> NotNorwegian = new(StringComparer.Ordinal)
    {
        // Danish
        "af", "hvad", "mig", "dig", "sig", "nu", "lidt", "efter", "blev", "igen", "næste", "uge", "ugen", "uger", "spørgsmål",
        "hjælp", "hjælpe", "hjælpen", "sjov", "sjovt", "gerne", "hvornår", "tusind", "mødes", "dejlig", "dejligt", "rigtig",
        "rigtigt", "arbejde", "arbejdet", "kigger", "kigge", "mødt", "aflyste",
        // Swedish
        "jag", "och", "inte", "mycket", "hur", "tack", "vad", "nästa",
    };

    private static readonly HashSet<string> UkrainianWords = new(StringComparer.Ordinal)
    {
        "добре", "дуже", "що", "це", "але", "мені", "мене", "треба", "зараз", "дякую", "вже", "ще", "його", "цей", "ця", "теж", "може", "було", "нема", "немає",
    };

    private static readonly HashSet<string> Subjects = new(StringComparer.Ordinal)
    {
        "jeg", "eg", "du", "dere", "dykk", "han", "hun", "ho", "vi", "me", "de", "dei", "det", "den", "man", "ein", "en", "et", "alle", "noen", "nokon", "ingen", "mentoren", "læreren",
    };

    private static readonly HashSet<string> ShortVerbs = new(StringComparer.Ordinal) { "få", "gå", "stå", "se", "bo", "nå", "slå", "tro", "dø", "gø" };

    private static readonly HashSet<string> EnglishFunctionWords = new(StringComparer.Ordinal)
    {
        // only words that are not Norwegian too ("i", "for", "at" are)
        "the", "and", "my", "is", "was", "to", "of", "with", "it", "this", "we", "you", "am", "are", "have", "me", "but", "not", "very",
    };

    private static string Map(LinguaLanguage language) => language switch
    {
        LinguaLanguage.English => LanguageGuess.English,
        LinguaLanguage.Ukrainian => LanguageGuess.Ukrainian,
        LinguaLanguage.Bokmal or LinguaLanguage.Nynorsk => LanguageGuess.Norwegian,
        _ => language.ToString().ToLowerInvariant(),
    };

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"Lingua({_detector.Languages.Count} languages, min {_minimumConfidence}, ratio {_minimumRatio})");
}
