using Dapper;
using Npgsql;

namespace Impact.Shared.Database;

/// <summary>
/// A PostgreSQL session-level advisory lock on one open connection: instances take turns at a job (a relay batch, a
/// sweep) without holding a transaction open while the job talks to a queue, a topic or blob storage. An open
/// transaction with an id holds back every reader of the commit-safe event feed (the SSE host, the Service Bus
/// relay); an advisory lock does not. The lock ends with the session, so a crashed holder never keeps it.
/// </summary>
public sealed class SessionLock : IAsyncDisposable
{
    private readonly NpgsqlConnection connection;
    private readonly string name;

    private SessionLock(NpgsqlConnection connection, string name) => (this.connection, this.name) = (connection, name);

    /// <summary>Waits for the lock called <paramref name="name"/> on <paramref name="connection"/>.</summary>
    public static async Task<SessionLock> AcquireAsync(NpgsqlConnection connection, string name, CancellationToken ct = default)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_lock(hashtext(@name))", new { name }, cancellationToken: ct));
        return new SessionLock(connection, name);
    }

    /// <summary>Takes the lock called <paramref name="name"/> if nobody holds it; null when another session does.</summary>
    public static async Task<SessionLock?> TryAcquireAsync(NpgsqlConnection connection, string name, CancellationToken ct = default) =>
        await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_lock(hashtext(@name))", new { name }, cancellationToken: ct))
            ? new SessionLock(connection, name)
            : null;

    /// <summary>Releases the lock (a broken connection has already lost it with its session).</summary>
    public async ValueTask DisposeAsync()
    {
        if (connection.FullState == System.Data.ConnectionState.Open)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT pg_advisory_unlock(hashtext(@name))", new { name }, cancellationToken: CancellationToken.None));
        }
    }
}
