namespace Impact.TestSupport;

/// <summary>Waiting for something another process or thread will do, without fixed sleeps.</summary>
public static class Poll
{
    /// <summary>Checks <paramref name="condition"/> every 100 ms until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:F0} s for: {what}");
            }

            await Task.Delay(100);
        }
    }
}
