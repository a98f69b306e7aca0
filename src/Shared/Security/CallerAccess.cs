using Microsoft.AspNetCore.Http;

namespace Impact.Shared.Security;

/// <summary>Where the resolved <see cref="Caller"/> of a request is kept for the function to read.</summary>
public static class CallerAccess
{
    private const string Key = "Impact.Caller";

    /// <summary>Records the caller of this request (the authentication middleware does this once).</summary>
    public static void SetCaller(this HttpContext http, Caller caller) => http.Items[Key] = caller;

    /// <summary>
    /// The caller of this request. Throws when none was resolved, which means the function was reached
    /// without its policy being applied: a bug, answered as a 500, never as anonymous access.
    /// </summary>
    public static Caller Caller(this HttpRequest request) =>
        request.HttpContext.Items.TryGetValue(Key, out var value) && value is Caller caller
            ? caller
            : throw new InvalidOperationException("No caller was resolved for this request; is the function's access policy declared and the middleware registered?");
}
