namespace Impact.Shared.Http;

/// <summary>Whose fault a failed request is, which decides how it is logged.</summary>
public enum ProblemKind
{
    /// <summary>The caller can fix it (4xx): a warning, never a stack trace.</summary>
    CallerError,

    /// <summary>A dependency is briefly away (the database): 503 with Retry-After, a warning.</summary>
    Transient,

    /// <summary>Our fault: a 500 and an error with the stack trace.</summary>
    Fault,
}
