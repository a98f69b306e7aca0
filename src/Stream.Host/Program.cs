using Impact.StreamHost;
using Impact.StreamHost.Security;

// `token --company <uuid>` mints a local development token instead of starting the host.
if (args is ["token", .. var tokenArgs])
{
    var configuration = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory }).Configuration;
    return LocalTokens.RunCommand(tokenArgs, configuration, Console.Out, Console.Error);
}

StreamHostApp.Build(args).Run();
return 0;
