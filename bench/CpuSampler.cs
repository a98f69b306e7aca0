using System.Globalization;
using Impact.TestSupport;

namespace Impact.Bench;

/// <summary>
/// CPU seconds used so far (user + system, from /proc) by this process, this worktree's PostgreSQL cluster
/// (postmaster, its live backends and its reaped children) and its Azurite, so a run can say where the cores
/// went per delivery. Linux only; zeros elsewhere.
/// </summary>
internal static class CpuSampler
{
    private static readonly double Tick = 100.0; // USER_HZ on Linux

    public readonly record struct Sample(double Bench, double Postgres, double Azurite)
    {
        public static Sample operator -(Sample a, Sample b) => new(a.Bench - b.Bench, a.Postgres - b.Postgres, a.Azurite - b.Azurite);
    }

    public static Sample Now()
    {
        if (!OperatingSystem.IsLinux())
        {
            return default;
        }

        var env = ReadEnv();
        var bench = Cpu(Environment.ProcessId, children: false);
        var azurite = env.TryGetValue("AZURITE_PID", out var az) ? Cpu(int.Parse(az, CultureInfo.InvariantCulture), children: true) : 0;
        double pg = 0;
        if (env.TryGetValue("PG_PORT", out var port) && Postmaster(port) is { } postmaster)
        {
            pg = Cpu(postmaster, children: true);
            foreach (var child in Children(postmaster))
            {
                pg += Cpu(child, children: false);
            }
        }

        return new Sample(bench, pg, azurite);
    }

    private static Dictionary<string, string> ReadEnv()
    {
        var path = Path.Combine(LocalServices.RepositoryRoot, ".local", "services.env");
        var values = new Dictionary<string, string>();
        if (!File.Exists(path))
        {
            return values;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && !line.StartsWith('#'))
            {
                values[line[..eq]] = line[(eq + 1)..];
            }
        }

        return values;
    }

    private static int? Postmaster(string port)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Length > 2 && args[0].EndsWith("/postgres", StringComparison.Ordinal) && args.Contains("-p")
                    && args[Array.IndexOf(args, "-p") + 1] == port)
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    private static IEnumerable<int> Children(int parent)
    {
        var path = $"/proc/{parent}/task/{parent}/children";
        return File.Exists(path)
            ? File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))
            : [];
    }

    // Fields after the ")" of the command name: state is field 3; utime 14, stime 15, cutime 16, cstime 17.
    private static double Cpu(int pid, bool children)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double F(int n) => double.Parse(fields[n - 3], CultureInfo.InvariantCulture);
            return (F(14) + F(15) + (children ? F(16) + F(17) : 0)) / Tick;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
