// Signs a sample (or your own) Kintell payload and posts it to a running app, the way the partner does.
//   dotnet run --project tools/SendWebhook -- session-completed
//   dotnet run --project tools/SendWebhook -- rating-created --file my.json --scheme standard --url http://localhost:7071
using System.Globalization;
using Impact.Shared.Webhooks;

var options = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--url"] = "http://localhost:7071",
    ["--scheme"] = "kintell",
    ["--secret"] = Environment.GetEnvironmentVariable("KINTELL_SECRET") ?? "kintell-dev-secret",
};
string? kind = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length)
    {
        options[args[i]] = args[++i];
    }
    else
    {
        kind = args[i];
    }
}

if (kind is null || !KintellKinds.All.Contains(kind) || options["--scheme"] is not ("kintell" or "standard"))
{
    Console.Error.WriteLine($"usage: SendWebhook <{string.Join('|', KintellKinds.All)}> [--file payload.json] [--delivery-id ID] " +
                            "[--scheme kintell|standard] [--secret SECRET] [--url http://localhost:7071]");
    return 2;
}

var file = options.GetValueOrDefault("--file") ?? (FindSamples() is { } samples ? Path.Combine(samples, $"{kind}.json") : null);
if (file is null)
{
    Console.Error.WriteLine("samples/webhooks not found above this program; pass --file payload.json");
    return 2;
}

if (!File.Exists(file))
{
    Console.Error.WriteLine($"no such file: {file}");
    return 2;
}

var body = await File.ReadAllBytesAsync(file);
var deliveryId = options.GetValueOrDefault("--delivery-id") ?? $"dev-{Guid.NewGuid():N}";
var key = WebhookSignature.KeyOf(options["--secret"]);
var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

using var request = new HttpRequestMessage(HttpMethod.Post, $"{options["--url"].TrimEnd('/')}/v1/webhooks/kintell/{kind}")
{
    Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } },
};
if (options["--scheme"] == "kintell")
{
    request.Headers.Add(WebhookSignature.KintellHeader, WebhookSignature.SignKintell(key, now, body));
    request.Headers.Add(WebhookSignature.KintellDeliveryIdHeader, deliveryId);
}
else
{
    request.Headers.Add(WebhookSignature.StandardIdHeader, deliveryId);
    request.Headers.Add(WebhookSignature.StandardTimestampHeader, now.ToString(CultureInfo.InvariantCulture));
    request.Headers.Add(WebhookSignature.StandardSignatureHeader, WebhookSignature.SignStandard(key, deliveryId, now, body));
}

using var http = new HttpClient();
try
{
    using var response = await http.SendAsync(request);
    Console.WriteLine($"{(int)response.StatusCode} {response.ReasonPhrase}  (delivery {deliveryId})");
    Console.WriteLine(await response.Content.ReadAsStringAsync());
    return response.IsSuccessStatusCode ? 0 : 1;
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"Could not reach {request.RequestUri}: {e.Message}. Is the app running (bash scripts/run.sh)?");
    return 1;
}

static string? FindSamples()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        var samples = Path.Combine(dir.FullName, "samples", "webhooks");
        if (Directory.Exists(samples))
        {
            return samples;
        }
    }

    return null;
}
