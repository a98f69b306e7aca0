using Impact.Shared.Database;
using Impact.StreamHost;
using Impact.StreamHost.Security;
using Microsoft.Extensions.Options;

// `token --company <uuid>` mints a local development token instead of starting the host.
if (args is ["token", .. var tokenArgs])
{
    var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory }).Configuration;
    return LocalTokens.RunCommand(tokenArgs, configuration, Console.Out, Console.Error);
}

try
{
    var app = StreamHostApp.Build(args);
    // The checks the host runs at start, run first here so that a bad setting is one line below, not a logged stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
    app.Run();
    return 0;
}
catch (OptionsValidationException e)
{
    // A missing or invalid setting: say which, in a line, not with a stack trace.
    var hint = e.OptionsType == typeof(PostgresOptions)
        ? " Locally, run `bash scripts/services.sh up` first: the host reads .local/services.env in Development."
        : "";
    Console.Error.WriteLine($"The SSE host did not start: {string.Join(" ", e.Failures)}{hint}");

    return 1;
}
