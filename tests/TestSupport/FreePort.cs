using System.Net;
using System.Net.Sockets;

namespace Impact.TestSupport;

/// <summary>Loopback ports nobody is listening on, for hosts a test starts.</summary>
public static class FreePort
{
    /// <summary>
    /// Asks the OS for an unused port. Another process could take it before the caller binds,
    /// so callers that can retry on "address in use" should.
    /// </summary>
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
