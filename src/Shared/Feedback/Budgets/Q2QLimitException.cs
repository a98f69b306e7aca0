using System.Globalization;
using System.Net;
using Impact.Shared.Http;

namespace Impact.Shared.Feedback.Budgets;

/// <summary>
/// A paid Q2Q call refused before it was made: the company's rate-limit window is full, or its monthly budget cannot hold
/// the call's reservation. A 429 with <c>Retry-After</c> (whole seconds, rounded up) on the HTTP path; in the pipeline the
/// text waits as <c>deferred</c> until <see cref="RetryAfter"/> has passed.
/// </summary>
public sealed class Q2QLimitException : ProblemException
{
    /// <summary>Which limit: <see cref="RateLimit"/> or <see cref="Budget"/>.</summary>
    public const string RateLimit = "rate_limit";

    /// <summary>The monthly budget.</summary>
    public const string Budget = "budget";

    /// <summary>Creates the refusal.</summary>
    public Q2QLimitException(string limit, TimeSpan retryAfter, string title, string detail)
        : base(HttpStatusCode.TooManyRequests, title, detail)
    {
        Limit = limit;
        RetryAfter = retryAfter;
        Headers = new Dictionary<string, string> { ["Retry-After"] = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary><see cref="RateLimit"/> or <see cref="Budget"/>.</summary>
    public string Limit { get; }

    /// <summary>How long until the limit frees (the window ends, or the next month starts).</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>Whole seconds, rounded up and at least 1, as <c>Retry-After</c> says them.</summary>
    public static long Seconds(TimeSpan wait) => Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
}
