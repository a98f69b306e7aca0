using System.Data;
using System.Data.Common;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Dapper;
using Impact.Shared.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Privacy;

/// <summary>One file of an export, as listed in its <c>manifest.json</c>.</summary>
/// <param name="Name">File name inside the ZIP.</param>
/// <param name="DataSet">The data set it holds.</param>
/// <param name="Rows">Rows in the data set.</param>
/// <param name="Bytes">Uncompressed size.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the uncompressed file.</param>
public sealed record ExportFile(string Name, string DataSet, long Rows, long Bytes, string Sha256);

/// <summary>What an export wrote.</summary>
/// <param name="Location"><c>container/blob</c> of the ZIP.</param>
/// <param name="Files">The data files (not the manifest itself).</param>
public sealed record ExportResult(string Location, IReadOnlyList<ExportFile> Files);

/// <summary>
/// Builds a DSAR export (GDPR Art. 15/20): one JSON and one CSV file per data set, <c>manifest.json</c> with a
/// SHA-256 per file, and a README, streamed as a ZIP straight into a blob. Every query reads one snapshot
/// (repeatable read), so the JSON and CSV of a data set, read in two passes, hold the same rows.
/// </summary>
public sealed class PrivacyExport(NpgsqlDataSource dataSource, BlobServiceClient blobs, IOptions<PrivacyOptions> options, TimeProvider time)
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    // One query per data set. @userId/@userIdText/@email name the subject; everything about someone else that
    // shows up inside the subject's rows is replaced by @redacted (see PrivacyMap).
    private static readonly (string Name, string Sql)[] DataSets =
    [
        ("profile", """
            SELECT id, email, display_name, role, company_id, created_at, updated_at
            FROM impact.users WHERE id = @userId
            """),
        ("sessions", """
            SELECT id, external_id, session_type,
                   CASE WHEN participant_id = @userId THEN 'participant' ELSE 'volunteer' END AS your_role,
                   CASE WHEN participant_id = @userId AND volunteer_id IS NOT NULL THEN @redacted
                        WHEN volunteer_id = @userId AND participant_id IS NOT NULL THEN @redacted END AS other_party,
                   company_id, scheduled_at, completed_at, duration_minutes, topics, language_level, source, created_at
            FROM impact.kintell_sessions
            WHERE participant_id = @userId OR volunteer_id = @userId
            ORDER BY scheduled_at, id
            """),
        ("ratings", """
            SELECT id, external_id, session_external_id, from_role, rating, rating_normalized, feedback_text, rated_at, created_at
            FROM impact.kintell_ratings
            WHERE rater_id = @userId
            ORDER BY rated_at, id
            """),
        ("bookings", """
            SELECT id, external_id, session_type,
                   CASE WHEN participant_id = @userId THEN 'participant' ELSE 'volunteer' END AS your_role,
                   CASE WHEN participant_id = @userId AND volunteer_id IS NOT NULL THEN @redacted
                        WHEN volunteer_id = @userId AND participant_id IS NOT NULL THEN @redacted END AS other_party,
                   company_id, scheduled_at, created_at
            FROM impact.kintell_bookings
            WHERE participant_id = @userId OR volunteer_id = @userId
            ORDER BY scheduled_at, id
            """),
        ("webhook_deliveries", """
            SELECT d.id, d.source, d.delivery_id, d.event_type, d.status, d.received_at,
                   (SELECT jsonb_object_agg(p.k, CASE
                               WHEN p.k = ANY(@emailKeys) AND jsonb_typeof(p.v) = 'string' AND lower(p.v #>> '{}') <> @email
                               THEN to_jsonb(@redacted::text) ELSE p.v END)
                    FROM jsonb_each(d.payload) AS p(k, v)) AS payload
            FROM impact.webhook_deliveries d
            WHERE lower(d.payload ->> 'participant_email') = @email
               OR lower(d.payload ->> 'volunteer_email') = @email
               OR d.payload ->> 'rating_id' IN (SELECT external_id FROM impact.kintell_ratings WHERE rater_id = @userId)
            ORDER BY d.id
            """),
        ("events", """
            SELECT e.event_id, e.type, e.company_id, e.correlation_id, e.occurred_at,
                   (SELECT jsonb_object_agg(p.k, CASE
                               WHEN p.k = ANY(@idKeys) AND jsonb_typeof(p.v) = 'string' AND p.v #>> '{}' <> @userIdText
                               THEN to_jsonb(@redacted::text) ELSE p.v END)
                    FROM jsonb_each(e.data) AS p(k, v)) AS data
            FROM impact.events e
            WHERE e.data @> jsonb_build_object('participantId', @userIdText)
               OR e.data @> jsonb_build_object('volunteerId', @userIdText)
               OR e.data @> jsonb_build_object('userId', @userIdText)
               OR e.data @> jsonb_build_object('raterId', @userIdText)
            ORDER BY e.id
            """),
        ("privacy_requests", """
            SELECT id, type, status, progress, requested_at, due_at, completed_at
            FROM impact.privacy_requests
            WHERE user_id = @userId
            ORDER BY requested_at, id
            """),
    ];

    /// <summary>Names of the data sets, in the order they are written.</summary>
    public static IReadOnlyList<string> DataSetNames { get; } = DataSets.Select(d => d.Name).ToList();

    /// <summary>
    /// Writes the ZIP of request <paramref name="requestId"/> to the exports container and marks the request completed
    /// (audit row and <c>privacy.export.completed</c> event in one transaction). Running it again overwrites the ZIP.
    /// </summary>
    public async Task<ExportResult> RunAsync(Guid requestId, CancellationToken ct = default)
    {
        var request = await PrivacyRequests.GetAsync(dataSource, requestId, ct)
            ?? throw new InvalidOperationException($"Privacy request {requestId} does not exist.");
        if (request.UserId is not { } userId)
        {
            throw new InvalidOperationException($"Privacy request {requestId} no longer names a person (erased).");
        }

        await MarkProcessingAsync(requestId, ct);
        var container = blobs.GetBlobContainerClient(options.Value.ExportsContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var blobName = $"{requestId}.zip";
        var files = await WriteZipAsync(requestId, userId, container.GetBlobClient(blobName), ct);
        var location = $"{container.Name}/{blobName}";
        await CompleteAsync(request, location, files, ct);
        return new ExportResult(location, files);
    }

    private async Task<List<ExportFile>> WriteZipAsync(Guid requestId, Guid userId, BlobClient blob, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var email = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT email FROM impact.users WHERE id = @userId", new { userId }, tx, cancellationToken: ct))
            ?? throw new InvalidOperationException($"The person of privacy request {requestId} no longer exists.");
        var parameters = new
        {
            userId,
            userIdText = userId.ToString(),
            email,
            redacted = PrivacyMap.RedactedMarker,
            emailKeys = PrivacyMap.PayloadEmailKeys.ToArray(),
            idKeys = PrivacyMap.EventUserIdKeys.ToArray(),
        };

        var files = new List<ExportFile>();
        var generatedAt = time.GetUtcNow();
        await using (var output = await blob.OpenWriteAsync(overwrite: true,
                         new BlobOpenWriteOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/zip" } }, ct))
        await using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            await WriteEntryAsync(zip, "README.txt", s => WriteTextAsync(s, Readme(requestId, generatedAt), ct), ct);
            for (var i = 0; i < DataSets.Length; i++)
            {
                var (name, sql) = DataSets[i];
                var command = new CommandDefinition(sql, parameters, tx, cancellationToken: ct, flags: CommandFlags.None);
                long rows = 0;
                var json = await WriteEntryAsync(zip, name + ".json", async s => rows = await WriteJsonAsync(conn, command, s, ct), ct);
                files.Add(new ExportFile(name + ".json", name, rows, json.Bytes, json.Sha256));
                var csv = await WriteEntryAsync(zip, name + ".csv", s => WriteCsvAsync(conn, command, s, ct), ct);
                files.Add(new ExportFile(name + ".csv", name, rows, csv.Bytes, csv.Sha256));
                await PrivacyRequests.SetProgressAsync(dataSource, requestId, 5 + 90 * (i + 1) / DataSets.Length, ct);
            }

            var manifest = new { requestId, userId, generatedAt, files };
            await WriteEntryAsync(zip, "manifest.json",
                s => WriteTextAsync(s, JsonSerializer.Serialize(manifest, ManifestJson), ct), ct);
        }

        await tx.CommitAsync(ct);
        return files;
    }

    private static readonly JsonSerializerOptions ManifestJson = new(JsonDefaults.Web) { WriteIndented = true };

    // Files for people and spreadsheets, never embedded in HTML: keep "é" and quotes readable instead of \u escapes.
    private static readonly JsonSerializerOptions FileJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static async Task<(long Bytes, string Sha256)> WriteEntryAsync(ZipArchive zip, string name, Func<Stream, Task> write, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var entryStream = await entry.OpenAsync(ct);
        await using var hashing = new HashingStream(entryStream);
        await write(hashing);
        await hashing.FlushAsync(ct);
        return (hashing.Length, hashing.HexHash());
    }

    private static async Task WriteTextAsync(Stream stream, string text, CancellationToken ct) =>
        await stream.WriteAsync(Utf8.GetBytes(text), ct);

    private static async Task<long> WriteJsonAsync(NpgsqlConnection conn, CommandDefinition command, Stream stream, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = FileJson.Encoder });
        await using var reader = await conn.ExecuteReaderAsync(command);
        // Column names and which columns are JSON, once per data set rather than per value.
        var names = new JsonEncodedText[reader.FieldCount];
        var isJson = new bool[reader.FieldCount];
        for (var c = 0; c < reader.FieldCount; c++)
        {
            names[c] = JsonEncodedText.Encode(reader.GetName(c), FileJson.Encoder);
            isJson[c] = reader.GetDataTypeName(c) is "jsonb" or "json";
        }

        json.WriteStartArray();
        long rows = 0;
        while (await reader.ReadAsync(ct))
        {
            json.WriteStartObject();
            for (var c = 0; c < names.Length; c++)
            {
                json.WritePropertyName(names[c]);
                WriteJsonValue(json, reader, c, isJson[c]);
            }

            json.WriteEndObject();
            rows++;
            if (json.BytesPending > 64 * 1024)
            {
                await json.FlushAsync(ct);
            }
        }

        json.WriteEndArray();
        await json.FlushAsync(ct);
        return rows;
    }

    private static void WriteJsonValue(Utf8JsonWriter json, DbDataReader reader, int c, bool isJson)
    {
        if (reader.IsDBNull(c))
        {
            json.WriteNullValue();
            return;
        }

        if (isJson)
        {
            json.WriteRawValue(reader.GetString(c), skipInputValidation: true);
            return;
        }

        switch (reader.GetValue(c))
        {
            case string s: json.WriteStringValue(s); break;
            case Guid g: json.WriteStringValue(g); break;
            case DateTime d: json.WriteStringValue(DateTime.SpecifyKind(d, DateTimeKind.Utc)); break;
            case bool b: json.WriteBooleanValue(b); break;
            case short i: json.WriteNumberValue(i); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case double d: json.WriteNumberValue(d); break;
            case decimal m: json.WriteNumberValue(m); break;
            case string[] a:
                json.WriteStartArray();
                foreach (var s in a)
                {
                    json.WriteStringValue(s);
                }

                json.WriteEndArray();
                break;
            case var other: json.WriteStringValue(Convert.ToString(other, CultureInfo.InvariantCulture)); break;
        }
    }

    private static async Task WriteCsvAsync(NpgsqlConnection conn, CommandDefinition command, Stream stream, CancellationToken ct)
    {
        await using var writer = new StreamWriter(stream, Utf8, bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        await using var reader = await conn.ExecuteReaderAsync(command);
        var line = new StringBuilder();
        for (var c = 0; c < reader.FieldCount; c++)
        {
            AppendCsvField(line, c, reader.GetName(c));
        }

        await writer.WriteLineAsync(line, ct);
        while (await reader.ReadAsync(ct))
        {
            line.Clear();
            for (var c = 0; c < reader.FieldCount; c++)
            {
                AppendCsvField(line, c, CsvText(reader, c));
            }

            await writer.WriteLineAsync(line, ct);
        }

        await writer.FlushAsync(ct);
    }

    private static string CsvText(DbDataReader reader, int c)
    {
        if (reader.IsDBNull(c))
        {
            return "";
        }

        return reader.GetValue(c) switch
        {
            DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture),
            string[] a => JsonSerializer.Serialize(a, FileJson),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var other => Convert.ToString(other, CultureInfo.InvariantCulture) ?? "",
        };
    }

    // RFC 4180: quote a field holding a comma, quote or line break; double the quotes inside.
    private static void AppendCsvField(StringBuilder line, int column, string value)
    {
        if (column > 0)
        {
            line.Append(',');
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(value);
            return;
        }

        line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    private async Task MarkProcessingAsync(Guid requestId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var started = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET status = 'processing', progress = 5, updated_at = now()
            WHERE id = @requestId AND status = 'pending'
            """, new { requestId }, tx, cancellationToken: ct));
        if (started > 0)
        {
            await PrivacyRequests.AuditAsync(conn, tx, requestId, "export_started", null, PrivacyRequests.System, ct);
        }

        await tx.CommitAsync(ct);
    }

    private async Task CompleteAsync(PrivacyRequest request, string location, List<ExportFile> files, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var completed = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests
            SET status = 'completed', progress = 100, result_location = @location, completed_at = @now, updated_at = now()
            WHERE id = @id AND status = 'processing'
            """, new { id = request.Id, location, now = time.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));
        if (completed > 0)
        {
            var companyId = await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                "SELECT company_id FROM impact.users WHERE id = @userId", new { userId = request.UserId }, tx, cancellationToken: ct));
            await PrivacyRequests.AuditAsync(conn, tx, request.Id, "export_completed",
                new { files = files.Count, rows = files.Where(f => f.Name.EndsWith(".json", StringComparison.Ordinal)).Sum(f => f.Rows) },
                PrivacyRequests.System, ct);
            await EventLog.AppendAsync(conn, tx, EventTypes.PrivacyExportCompleted, companyId,
                new { requestId = request.Id, userId = request.UserId }, request.Id.ToString(), ct);
        }

        await tx.CommitAsync(ct);
    }

    private static string Readme(Guid requestId, DateTimeOffset generatedAt) => $"""
        Your personal data — export {requestId}, generated {generatedAt:O}

        This archive holds everything this platform stores about you (GDPR Art. 15 and 20), one data set per file,
        each as JSON (an array of objects) and as CSV (UTF-8, comma-separated, RFC 4180 quoting):

          profile             your account: e-mail, name, role, employer
          sessions            language and mentorship sessions you took part in
          ratings             ratings and feedback you gave
          bookings            sessions booked for you
          webhook_deliveries  the messages our partner Kintell sent us about you, as received
          events              changes recorded about you
          privacy_requests    your export and erasure requests

        Data about other people inside your records (for example the other person in a session, or their
        e-mail address) is replaced by "{PrivacyMap.RedactedMarker}".

        manifest.json lists every file with its row count and SHA-256, so you can check nothing was altered
        (e.g. `sha256sum sessions.csv`).

        """;

    /// <summary>Counts and hashes what passes through on its way to the ZIP entry.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long length;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => length;
        public override long Position { get => length; set => throw new NotSupportedException(); }

        public string HexHash() => Convert.ToHexStringLower(hash.GetCurrentHash());

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            hash.AppendData(buffer);
            length += buffer.Length;
            inner.Write(buffer);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hash.AppendData(buffer.Span);
            length += buffer.Length;
            await inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        // Utf8JsonWriter flushes its stream every time it hands over a buffer. Passed on, each flush would end a
        // deflate block and stage a blob block (an HTTP round trip); closing the entry and the ZIP flushes for real.
        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                hash.Dispose();
            }

            base.Dispose(disposing);
        }

        // The entry stream is owned by WriteEntryAsync; only the hash is ours.
        public override ValueTask DisposeAsync()
        {
            hash.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
