namespace Impact.Shared.Database;

/// <summary>A migration script failed.</summary>
public sealed class MigrationException(string message, Exception? inner) : Exception(message, inner);
