namespace Impact.Shared.Http;

/// <summary>
/// Ids taken from a route. Routes declare plain <c>{id}</c> segments (a constraint such as
/// <c>{id:guid}</c> would make the host answer a malformed id with a bare 404); the function parses
/// them here, so a malformed id gets the same problem+json 404 as an unknown one.
/// </summary>
public static class RouteIds
{
    /// <summary>The UUID in <paramref name="value"/>, or a 404 saying there is no <paramref name="what"/> with that id.</summary>
    public static Guid Guid(string value, string what) =>
        System.Guid.TryParse(value, out var id)
            ? id
            : throw ProblemException.NotFound($"There is no {what} with id '{(value.Length <= 64 ? value : value[..64] + "…")}': ids are UUIDs.");
}
