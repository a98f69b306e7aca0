using Impact.Ingest.Http;
using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Feedback;

/// <summary>
/// <c>POST /v1/q2q/classify</c>: classifies one text now for the caller's company and stores nothing of it — screening
/// first (a HIGH text is not classified), then the model in use on the masked text. With a paid model every call goes
/// through the company's rate limit and budget: 429 with <c>Retry-After</c> when one refuses, 503 when the budget store
/// cannot be reached; in both cases no provider is called.
/// </summary>
public sealed class Q2QClassifyApi(TextClassification classification)
{
    private const int MaxBodyBytes = 128 * 1024;

    [RequireRole(Roles.CompanyAdmin)]
    [Body(typeof(ClassifyRequest))]
    [Returns(StatusCodes.Status200OK, typeof(Q2QClassifyResult), Description = "Classified, unscored (with the reason) or held (HIGH risk, not classified).")]
    [Problems(StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable)]
    [Idempotent]
    [Function(nameof(ClassifyText))]
    public async Task<IActionResult> ClassifyText(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "q2q/classify")] HttpRequest req, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<ClassifyRequest>(req, ct, MaxBodyBytes);
        if (string.IsNullOrWhiteSpace(body.Text) || body.Text.Length > TextSources.MaxTextLength)
        {
            throw ProblemException.Validation($"Fix this field: text must be 1 to {TextSources.MaxTextLength:N0} characters.",
                new Dictionary<string, string[]> { ["text"] = [$"must be 1 to {TextSources.MaxTextLength} characters"] });
        }

        var company = req.Caller().CompanyId ?? throw new InvalidOperationException("A company administrator's token carries a company.");
        return ApiResults.Json(StatusCodes.Status200OK, await classification.ClassifyAsync(body.Text, company, ct));
    }
}
