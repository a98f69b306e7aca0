// A worker process the durability tests can kill: the DurableTask gRPC sidecar
// (TaskHubGrpcServer) backed by the Azure Storage provider on Azurite — the backend the
// Functions host uses — plus a DurableTaskWorker hosting this solution's orchestrations and
// activities, registered exactly as the Functions app registers them.
//
// Settings come from the environment (same names as the app): AzureWebJobsStorage,
// Postgres__ConnectionString, Backfill__*, and Harness__Port, Harness__TaskHub, Harness__WorkerId,
// Harness__ControlQueueVisibilityTimeout and Harness__WorkItemQueueVisibilityTimeout (the app's host.json values).
// It prints "ready" once the worker is connected; kill it with SIGKILL to simulate a crash.
using System.Net;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Impact.Orchestrations;
using Impact.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var sidecar = WebApplication.CreateBuilder(args);
var port = sidecar.Configuration.GetValue<int>("Harness:Port");
var taskHub = sidecar.Configuration["Harness:TaskHub"] ?? "harness";
var storage = sidecar.Configuration["AzureWebJobsStorage"]
    ?? throw new InvalidOperationException("AzureWebJobsStorage is not set");

var service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
{
    TaskHubName = taskHub,
    StorageAccountClientProvider = new StorageAccountClientProvider(storage),
    PartitionCount = 1,
    UseTablePartitionManagement = true,
    // Same worker id after a restart: the new process takes over its own lease at once.
    WorkerId = sidecar.Configuration["Harness:WorkerId"] ?? "harness",
    LeaseInterval = TimeSpan.FromSeconds(15),
    LeaseRenewInterval = TimeSpan.FromSeconds(5),
    LeaseAcquireInterval = TimeSpan.FromSeconds(2),
    // As the Functions app's host.json sets them (DurableHarnessProcess passes them on): the 5-minute defaults would
    // keep a killed worker's messages invisible that long.
    ControlQueueVisibilityTimeout = Required<TimeSpan>("Harness:ControlQueueVisibilityTimeout"),
    WorkItemQueueVisibilityTimeout = Required<TimeSpan>("Harness:WorkItemQueueVisibilityTimeout"),
    MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
});
await service.CreateIfNotExistsAsync();

sidecar.Logging.SetMinimumLevel(LogLevel.Warning);
sidecar.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
sidecar.Services.AddGrpc();
sidecar.Services.AddSingleton<IOrchestrationService>(service);
sidecar.Services.AddSingleton<IOrchestrationServiceClient>(service);
sidecar.Services.AddSingleton<TaskHubGrpcServer>();
var app = sidecar.Build();
app.MapGrpcService<TaskHubGrpcServer>();
await app.StartAsync();

using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
var worker = Host.CreateApplicationBuilder(args);
worker.Logging.SetMinimumLevel(LogLevel.Warning);
worker.AddShared();
worker.Services.AddDurableTaskWorker(b =>
{
    b.UseGrpc(channel);
    b.AddTasks(r => r.AddOrchestrations());
});
using var host = worker.Build();
await host.StartAsync();

Console.WriteLine("ready");
await app.WaitForShutdownAsync();
await host.StopAsync();

T Required<T>(string key) => sidecar.Configuration.GetValue<T?>(key) ?? throw new InvalidOperationException($"{key} is not set");
