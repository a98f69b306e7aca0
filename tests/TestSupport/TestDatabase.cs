using System.Security.Cryptography;
using Impact.Shared.Database;
using Npgsql;

namespace Impact.TestSupport;

/// <summary>
/// A fresh, fully migrated database for one test (or one fixture), copied from a template that
/// is migrated once per schema version, and dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private static readonly SemaphoreSlim TemplateGate = new(1, 1);
    private static string? templateName;

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public static async Task<TestDatabase> CreateAsync()
    {
        var template = await EnsureTemplateAsync();
        var name = "t_" + Guid.NewGuid().ToString("N")[..16];
        await using (var admin = await OpenAdminAsync())
        {
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"", admin);
            await cmd.ExecuteNonQueryAsync();
        }

        var cs = new NpgsqlConnectionStringBuilder(LocalServices.Settings.PostgresConnectionString) { Database = name };
        return new TestDatabase(name, cs.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = await OpenAdminAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", admin);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> EnsureTemplateAsync()
    {
        await TemplateGate.WaitAsync();
        try
        {
            if (templateName is not null)
            {
                return templateName;
            }

            var name = "impact_template_" + SchemaFingerprint();
            await using var admin = await OpenAdminAsync();
            // Several test assemblies may start at once: one of them builds the template.
            await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock(424242)", admin))
            {
                await lockCmd.ExecuteNonQueryAsync();
            }

            try
            {
                await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", admin);
                exists.Parameters.AddWithValue("n", name);
                if (await exists.ExecuteScalarAsync() is null)
                {
                    var building = name + "_build";
                    await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)", admin))
                    {
                        await drop.ExecuteNonQueryAsync();
                    }

                    await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{building}\"", admin))
                    {
                        await create.ExecuteNonQueryAsync();
                    }

                    var cs = new NpgsqlConnectionStringBuilder(LocalServices.Settings.PostgresConnectionString) { Database = building };
                    Migrations.Apply(cs.ConnectionString);
                    NpgsqlConnection.ClearAllPools();
                    await using var rename = new NpgsqlCommand($"ALTER DATABASE \"{building}\" RENAME TO \"{name}\"", admin);
                    await rename.ExecuteNonQueryAsync();
                }
            }
            finally
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(424242)", admin);
                await unlock.ExecuteNonQueryAsync();
            }

            return templateName = name;
        }
        finally
        {
            TemplateGate.Release();
        }
    }

    private static async Task<NpgsqlConnection> OpenAdminAsync()
    {
        var cs = new NpgsqlConnectionStringBuilder(LocalServices.Settings.PostgresConnectionString) { Database = "postgres", Pooling = false };
        var conn = new NpgsqlConnection(cs.ConnectionString);
        await conn.OpenAsync();
        return conn;
    }

    /// <summary>Changes whenever a migration is added or edited, so a stale template is never reused.</summary>
    private static string SchemaFingerprint()
    {
        var assembly = typeof(Migrations).Assembly;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.EndsWith(".sql", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(resource));
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var ms = new MemoryStream();
            stream.CopyTo(ms);
            hash.AppendData(ms.ToArray());
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }
}
