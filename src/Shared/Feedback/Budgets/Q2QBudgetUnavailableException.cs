using System.Globalization;
using System.Net;
using Impact.Shared.Http;

namespace Impact.Shared.Feedback.Budgets;

/// <summary>
/// The budget store (PostgreSQL) could not be reached, so no reservation could be taken: fail closed — no provider call.
/// A 503 with <c>Retry-After</c> on the HTTP path; in the pipeline the text stays where it was and its message is retried.
/// </summary>
public sealed class Q2QBudgetUnavailableException : ProblemException
{
    /// <summary>Seconds the caller is asked to wait.</summary>
    public const int RetryAfterSeconds = ProblemMapping.TransientRetryAfterSeconds;

    /// <summary>Wraps the store's error (kept as the inner exception for logs; never shown to callers).</summary>
    public Q2QBudgetUnavailableException(Exception storeError)
        : base(HttpStatusCode.ServiceUnavailable, "AI budget unavailable",
            $"The AI budget could not be checked, so no paid classification was started. Try again in {RetryAfterSeconds} seconds.", storeError)
    {
        Headers = new Dictionary<string, string> { ["Retry-After"] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture) };
    }
}
