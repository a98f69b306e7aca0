// Imports a CSV of any size the large-file way: asks the app for an upload link (a write-only SAS for one new
// blob), uploads the file straight to Blob Storage in blocks (one block in memory at a time), then starts the import.
//   TOKEN=$(bash scripts/token.sh --company $COMPANY --role Impact.CompanyAdmin)
//   dotnet run --project tools/UploadCsv -- sessions.csv --token $TOKEN
//   dotnet run --project tools/UploadCsv -- users.csv --kind kintell-users --token $TOKEN --url http://localhost:7071 --block-mb 8
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--url"] = "http://localhost:7071",
    ["--kind"] = "kintell-sessions",
    ["--block-mb"] = "8",
    ["--token"] = Environment.GetEnvironmentVariable("TOKEN") ?? "",
};
string? path = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        path = args[i];
    }
}

if (path is null || options["--token"].Length == 0 || options["--kind"] is not ("kintell-sessions" or "kintell-users")
    || !int.TryParse(options["--block-mb"], NumberStyles.None, CultureInfo.InvariantCulture, out var blockMb) || blockMb is < 1 or > 4000)
{
    Console.Error.WriteLine("usage: UploadCsv <file.csv> --token TOKEN (or $TOKEN) [--kind kintell-sessions|kintell-users] " +
                            "[--url http://localhost:7071] [--block-mb 8]");
    return 2;
}

if (!File.Exists(path))
{
    Console.Error.WriteLine($"no such file: {path}");
    return 2;
}

var api = options["--url"].TrimEnd('/');
using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options["--token"]);

// 1. The upload link.
using var linkResponse = await http.PostAsync($"{api}/v1/imports/uploads", content: null);
var linkBody = await linkResponse.Content.ReadAsStringAsync();
if (!linkResponse.IsSuccessStatusCode)
{
    Console.Error.WriteLine($"upload link refused: {(int)linkResponse.StatusCode} {linkBody}");
    return 1;
}

using var link = JsonDocument.Parse(linkBody);
var uploadUrl = new Uri(link.RootElement.GetProperty("uploadUrl").GetString()!);
var blobName = link.RootElement.GetProperty("blobName").GetString()!;
Console.WriteLine($"uploading {new FileInfo(path).Length:N0} bytes to {blobName} (link valid until {link.RootElement.GetProperty("expiresAt").GetString()})");

// 2. The file in blocks: each block is staged on its own, then the list is committed once.
var blob = new BlockBlobClient(uploadUrl);
var buffer = new byte[blockMb << 20];
var blockIds = new List<string>();
await using (var file = File.OpenRead(path))
{
    int filled;
    while ((filled = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
    {
        var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(blockIds.Count.ToString("D8", CultureInfo.InvariantCulture)));
        using var block = new MemoryStream(buffer, 0, filled, writable: false);
        await blob.StageBlockAsync(id, block);
        blockIds.Add(id);
        Console.Write($"\r{file.Position:N0} bytes");
    }
}

await blob.CommitBlockListAsync(blockIds, new CommitBlockListOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv" } });
Console.WriteLine($"\rcommitted {blockIds.Count} blocks");

// 3. The import, started from the blob.
using var start = await http.PostAsJsonAsync($"{api}/v1/imports/from-upload",
    new { kind = options["--kind"], blobName, fileName = Path.GetFileName(path) });
Console.WriteLine($"{(int)start.StatusCode} {await start.Content.ReadAsStringAsync()}");
return start.IsSuccessStatusCode ? 0 : 1;
