// The Functions app (isolated worker, .NET 10) on Flex Consumption: runtime and deployment
// storage are in functionAppConfig, not in app settings; the package lives in a blob container
// the app reads with its user-assigned identity.

param name string
param planName string
param location string
param tags object
param identityId string
param identityClientId string
param storageAccountName string
param storageBlobEndpoint string
param deploymentContainerName string
param applicationInsightsConnectionString string
param postgresConnectionStringReference string
param kintellWebhookReference string
param benevityCredentialReference string
param gooderaCredentialReference string
param workdayCredentialReference string
@description('Impact-In endpoints and ids; a platform without a base URL is not configured.')
param impactInPartners object
param webhookQueueName string
param textQueueName string
@description('Q2Q: Azure OpenAI endpoint; empty = not configured.')
param azureOpenAIEndpoint string
param azureOpenAIKeyReference string
param openAIKeyReference string
param durableTaskHubName string
param serviceBusFullyQualifiedNamespace string
param serviceBusTopicName string
@description('Entra ID authority (https://login.microsoftonline.com/{tenant}/v2.0) whose RS256 tokens the API accepts.')
param jwtAuthority string
@description('The API app registration\'s application ID URI or client id: the audience tokens must carry.')
param jwtAudience string
@description('Npgsql Max Pool Size per instance; main.bicep derives maximumInstanceCount from it.')
param postgresMaxPoolSize int
param maximumInstanceCount int
param instanceMemoryMB int

// ─── App settings ──────────────────────────────────────────────────────────────────────────
// The names are the keys of local.settings.sample.json `Values` (tests/Infra.Tests checks both
// ways). Exceptions, listed in that test: AzureWebJobsStorage becomes the identity-based trio
// below; FUNCTIONS_WORKER_RUNTIME is set by functionAppConfig.runtime; a few settings exist
// only in Azure. A new key in the sample gets its line here.
var appSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  AZURE_CLIENT_ID: identityClientId
  DurableTaskHubName: durableTaskHubName
  Postgres__ConnectionString: postgresConnectionStringReference
  Postgres__MaxPoolSize: string(postgresMaxPoolSize)
  Webhooks__Kintell__Secrets: kintellWebhookReference
  Webhooks__MaxBodyBytes: '262144'
  Webhooks__ToleranceSeconds: '300'
  WebhookQueueName: webhookQueueName
  Webhooks__SweepAfterSeconds: '60'
  Webhooks__RetentionHours: '168'
  Webhooks__MaxAttempts: '3'
  Webhooks__RequeueAfterSeconds: '300'
  Webhooks__TransientRetryFirstSeconds: '5'
  Webhooks__TransientRetryMaxSeconds: '60'
  Journeys__EventBatchSize: '100000'
  Journeys__UserBatchSize: '2000'
  Journeys__FactLoaders: '2'
  Drift__RecentDays: '7'
  Drift__BaselineDays: '28'
  Drift__MinSamples: '50'
  Cohorts__EventBatchSize: '5000'
  Cohorts__RecomputeBatchSize: '500'
  Idempotency__KeyLifetime: '1.00:00:00'
  Idempotency__InFlightTimeout: '00:30:00'
  Telemetry__Console: 'false'
  ServiceBus__FullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBus__Topic: serviceBusTopicName
  Backfill__ChunkRows: '50000'
  Backfill__ChunksPerActivity: '8'
  Backfill__Container: 'backfill'
  Backfill__MaxRecordBytes: '1048576'
  Backfill__MaxUploadBytes: '2147483648'
  Backfill__MaxDirectUploadBytes: '100000000'
  Backfill__UploadLinkMinutes: '15'
  Backfill__RetryAttempts: '3'
  Backfill__RetryFirstIntervalSeconds: '5'
  Backfill__OrphanAfterHours: '24'
  Jwt__Authority: jwtAuthority
  Jwt__Audience: jwtAudience
  Jwt__CompanyClaim: 'company_id'
  Privacy__ApprovalTimeout: '7.00:00:00'
  Privacy__DownloadLinkLifetime: '01:00:00'
  Privacy__ExportsContainer: 'privacy-exports'
  ImpactIn__BackoffBase: '00:05:00'
  ImpactIn__BackoffFactor: '2'
  ImpactIn__MaxAttempts: '3'
  ImpactIn__SchedulerBatchSize: '2000'
  ImpactIn__RestartPendingAfter: '00:02:00'
  ImpactIn__HttpTimeout: '00:00:30'
  ImpactIn__Benevity__BaseUrl: impactInPartners.?benevityBaseUrl ?? ''
  ImpactIn__Benevity__TokenUrl: impactInPartners.?benevityTokenUrl ?? ''
  ImpactIn__Benevity__ClientId: impactInPartners.?benevityClientId ?? ''
  ImpactIn__Benevity__ClientSecret: benevityCredentialReference
  ImpactIn__Benevity__Scope: impactInPartners.?benevityScope ?? ''
  ImpactIn__Goodera__BaseUrl: impactInPartners.?gooderaBaseUrl ?? ''
  ImpactIn__Goodera__ApiKey: gooderaCredentialReference
  ImpactIn__Goodera__MaxRecordsPerRequest: '100'
  ImpactIn__Goodera__RequestsPerMinute: '100'
  ImpactIn__Goodera__RateWindow: '00:01:00'
  ImpactIn__Workday__BaseUrl: impactInPartners.?workdayBaseUrl ?? ''
  ImpactIn__Workday__TokenUrl: impactInPartners.?workdayTokenUrl ?? ''
  ImpactIn__Workday__ClientId: impactInPartners.?workdayClientId ?? ''
  ImpactIn__Workday__ClientSecret: workdayCredentialReference
  ImpactIn__Workday__Tenant: impactInPartners.?workdayTenant ?? ''
  TextQueueName: textQueueName
  TextPipeline__Enabled: 'true'
  TextPipeline__SweepAfterSeconds: '30'
  TextPipeline__SweepBatchSize: '2000'
  TextPipeline__IdsPerMessage: '50'
  Llm__AzureOpenAI__Endpoint: azureOpenAIEndpoint
  Llm__AzureOpenAI__ApiKey: azureOpenAIKeyReference
  Llm__OpenAI__Endpoint: ''
  Llm__OpenAI__ApiKey: openAIKeyReference
  Llm__MaxAttempts: '3'
  Llm__TimeoutSeconds: '30'
  Q2QCost__RequestsPerMinute: '100'
  Q2QCost__DefaultMonthlyBudgetUsd: '0'
  Q2QCost__MaxOutputTokens: '1024'
  Q2QCost__ReservationTimeoutSeconds: '900'
}
// ───────────────────────────────────────────────────────────────────────────────────────────

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references are resolved with this identity (it holds Key Vault Secrets User).
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
