using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Dapper;
using Impact.Shared.Events;
using Impact.TestSupport;
using Npgsql;

namespace Impact.Shared.Tests.Events;

public sealed class ServiceBusRelayTests
{
    /// <summary>
    /// Service Bus has no local form without Docker, so the sender is replaced at the SDK boundary
    /// (the SDK's own mocking constructor); everything else is real PostgreSQL.
    /// </summary>
    private sealed class RecordingSender : ServiceBusSender
    {
        public List<ServiceBusMessage> Sent { get; } = [];

        public bool Fail { get; set; }

        public override Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default)
        {
            if (Fail)
            {
                throw new ServiceBusException("topic unavailable", ServiceBusFailureReason.ServiceCommunicationProblem);
            }

            Sent.AddRange(messages);
            return Task.CompletedTask;
        }
    }

    private static async Task Append(NpgsqlDataSource dataSource, string type, int n)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        for (var i = 0; i < n; i++)
        {
            await EventLog.AppendAsync(conn, tx, type, Guid.Empty, new { n = i }, $"test:{i}");
        }

        await tx.CommitAsync();
    }

    // Transaction ids are cluster-wide: a transaction open in another test's database holds the
    // relay back for a moment (a delay, never a loss). Wait until every event here is relayable.
    private static async Task WaitUntilRelayable(NpgsqlDataSource dataSource)
    {
        await Poll.UntilAsync(async () =>
        {
            await using var conn = await dataSource.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<bool>(
                "SELECT NOT EXISTS (SELECT 1 FROM impact.events WHERE tx_id >= pg_snapshot_xmin(pg_current_snapshot()))");
        }, TimeSpan.FromSeconds(30), "every event to be older than all running transactions");
    }

    [Fact]
    public async Task EventsArePublishedInOrderWithTheirIdsAndTheCursorMovesOn()
    {
        await using var db = await TestDatabase.CreateAsync();
        await Append(db.DataSource, "kintell.session.completed", 5);
        await WaitUntilRelayable(db.DataSource);
        var relay = new ServiceBusRelay(db.DataSource);
        var sender = new RecordingSender();

        Assert.Equal(3, await relay.RelayOnceAsync(sender, 3));
        Assert.Equal(2, await relay.RelayOnceAsync(sender, 3));
        Assert.Equal(0, await relay.RelayOnceAsync(sender, 3));

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var eventIds = (await conn.QueryAsync<Guid>("SELECT event_id FROM impact.events ORDER BY id")).Select(g => g.ToString()).ToList();
        Assert.Equal(eventIds, sender.Sent.Select(m => m.MessageId));
        var first = JsonDocument.Parse(sender.Sent[0].Body.ToString()).RootElement;
        Assert.Equal("kintell.session.completed", first.GetProperty("type").GetString());
        Assert.Equal(0, first.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal("kintell.session.completed", sender.Sent[0].Subject);
    }

    [Fact]
    public async Task AFailedSendLeavesTheCursorSoTheSameEventsAreSentAgain()
    {
        await using var db = await TestDatabase.CreateAsync();
        await Append(db.DataSource, "kintell.rating.created", 2);
        await WaitUntilRelayable(db.DataSource);
        var relay = new ServiceBusRelay(db.DataSource);
        var sender = new RecordingSender { Fail = true };

        await Assert.ThrowsAsync<ServiceBusException>(() => relay.RelayOnceAsync(sender, 10));
        sender.Fail = false;

        Assert.Equal(2, await relay.RelayOnceAsync(sender, 10));
        Assert.Equal(2, sender.Sent.Count);
    }

    [Fact]
    public async Task AnEventCommittedLateWithALowerIdIsNotSkipped()
    {
        await using var db = await TestDatabase.CreateAsync();
        var relay = new ServiceBusRelay(db.DataSource);
        var sender = new RecordingSender();

        // Transaction A takes the lower id but commits after B.
        await using var a = await db.DataSource.OpenConnectionAsync();
        await using var txA = await a.BeginTransactionAsync();
        await EventLog.AppendAsync(a, txA, "late", null, new { });
        await Append(db.DataSource, "early", 1);

        Assert.Equal(0, await relay.RelayOnceAsync(sender, 10));
        await txA.CommitAsync();
        await WaitUntilRelayable(db.DataSource);

        Assert.Equal(2, await relay.RelayOnceAsync(sender, 10));
        Assert.Equal(["late", "early"], sender.Sent.Select(m => m.Subject));
    }

    [Fact]
    public async Task AnEventOfAnOlderTransactionThatCommitsFirstDoesNotHideAYoungerOnesLowerId()
    {
        await using var db = await TestDatabase.CreateAsync();
        var relay = new ServiceBusRelay(db.DataSource);
        var sender = new RecordingSender();

        // B gets its transaction id first; A inserts first (lower event id) but commits last.
        await using var b = await db.DataSource.OpenConnectionAsync();
        await using var txB = await b.BeginTransactionAsync();
        await b.ExecuteAsync("SELECT pg_current_xact_id()", transaction: txB);
        await using var a = await db.DataSource.OpenConnectionAsync();
        await using var txA = await a.BeginTransactionAsync();
        await EventLog.AppendAsync(a, txA, "from-a", null, new { });
        await EventLog.AppendAsync(b, txB, "from-b", null, new { });
        await txB.CommitAsync();
        await Poll.UntilAsync(async () => await relay.RelayOnceAsync(sender, 10) > 0, TimeSpan.FromSeconds(30), "B's event to be relayed");

        await txA.CommitAsync();
        await WaitUntilRelayable(db.DataSource);
        await relay.RelayOnceAsync(sender, 10);

        Assert.Equal(["from-b", "from-a"], sender.Sent.Select(m => m.Subject));
    }
}
