namespace Impact.Orchestrations.Privacy;

/// <summary>The payload of the <see cref="PrivacyDeletionOrchestrator.DecisionEvent"/> external event.</summary>
/// <param name="Approved">True when approved, false when rejected.</param>
/// <param name="By">The principal of the privacy officer who decided.</param>
public sealed record PrivacyDecision(bool Approved, string By);
