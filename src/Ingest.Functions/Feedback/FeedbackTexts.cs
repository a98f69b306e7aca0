using Impact.Ingest.Http;
using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Feedback;

/// <summary><c>POST /v1/texts</c>: free texts of other programmes into the feedback pipeline, for the caller's company.</summary>
public sealed class FeedbackTexts(TextStore texts)
{
    private const int MaxContentIdLength = 200;

    // 10,000 characters of JSON-escaped text fit comfortably; a larger body is a 413.
    private const int MaxBodyBytes = 128 * 1024;

    [RequireRole(Roles.CompanyAdmin)]
    [Body(typeof(TextRequest))]
    [Returns(StatusCodes.Status202Accepted, typeof(TextAccepted), Description = "Accepted; the text is screened and classified.")]
    [Returns(StatusCodes.Status200OK, typeof(TextAccepted), Description = "The same text was already submitted; nothing changed.")]
    [Idempotent]
    [Function(nameof(SubmitText))]
    public async Task<IActionResult> SubmitText(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "texts")] HttpRequest req, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<TextRequest>(req, ct, MaxBodyBytes);
        var accepted = await texts.SubmitAsync(Validate(body), req.Caller(), ct);
        return ApiResults.Json(accepted.Changed ? StatusCodes.Status202Accepted : StatusCodes.Status200OK, accepted);
    }

    private static NewText Validate(TextRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        var contentId = body.ContentId?.Trim();
        if (string.IsNullOrEmpty(contentId))
        {
            errors["contentId"] = ["is required"];
        }
        else if (contentId.Length > MaxContentIdLength || contentId.Any(char.IsControl))
        {
            errors["contentId"] = [$"must be 1-{MaxContentIdLength} characters without control characters"];
        }

        var contentType = TextSources.ContentTypes.FirstOrDefault(t => t == body.ContentType);
        if (contentType is null)
        {
            errors["contentType"] = [$"must be one of {string.Join(", ", TextSources.ContentTypes)}"];
        }

        Guid? userId = null;
        if (body.UserId is not null)
        {
            if (Guid.TryParse(body.UserId, out var id))
            {
                userId = id;
            }
            else
            {
                errors["userId"] = ["must be a user id (a UUID)"];
            }
        }

        if (string.IsNullOrWhiteSpace(body.Text))
        {
            errors["text"] = ["is required: 1 to 10,000 characters"];
        }
        else if (body.Text.Length > TextSources.MaxTextLength)
        {
            errors["text"] = [$"is {body.Text.Length} characters long; at most {TextSources.MaxTextLength} are accepted"];
        }

        if (errors.Count > 0)
        {
            throw ProblemException.Validation(
                "Fix these fields: " + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")) + ".", errors);
        }

        return new NewText(contentId!, contentType!, userId, body.Text!);
    }
}
