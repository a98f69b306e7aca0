// Writes the Functions app's OpenAPI document (built from the code by Impact.Ingest.OpenApi.ApiDocument) to a file.
// Usage: dotnet run --project tools/ApiDocument -- [<path>]   (default docs/openapi.json); scripts/generate-api.sh runs it.
using Impact.Ingest.OpenApi;

var path = args.Length > 0 ? args[0] : Path.Combine("docs", "openapi.json");
if (path is "-h" or "--help")
{
    Console.WriteLine("usage: dotnet run --project tools/ApiDocument -- [<path>]   writes the OpenAPI document (default docs/openapi.json)");
    return 0;
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
await File.WriteAllTextAsync(path, ApiDocument.Json, new System.Text.UTF8Encoding(false));
Console.WriteLine($"wrote {path}");
return 0;
