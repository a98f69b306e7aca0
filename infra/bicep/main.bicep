// Impact backend in one resource group: the Functions app (Flex Consumption), the SSE host
// (App Service), PostgreSQL, storage, Service Bus, Key Vault and monitoring, all reached with
// one user-assigned managed identity. Deploy: see "Deploy" in README.md.

targetScope = 'resourceGroup'

@minLength(1)
@maxLength(20)
@description('Environment name (dev, prod, …): letters, digits and hyphens; part of every resource name.')
param environmentName string

@description('Azure region; defaults to the resource group\'s. Must offer Flex Consumption.')
param location string = resourceGroup().location

@description('PostgreSQL administrator login.')
param postgresAdminLogin string

@secure()
@minLength(8)
@description('PostgreSQL administrator password; stored only inside the Key Vault connection-string secret.')
param postgresAdminPassword string

@secure()
@description('Kintell webhook signing secrets, space separated (Webhooks__Kintell__Secrets).')
param kintellWebhookSecrets string

@secure()
@description('Impact-In: Benevity OAuth2 client secret (empty until the platform is set up).')
param benevityClientSecret string = ''

@secure()
@description('Impact-In: Goodera API key (empty until the platform is set up).')
param gooderaApiKey string = ''

@secure()
@description('Impact-In: Workday OAuth2 client secret (empty until the platform is set up).')
param workdayClientSecret string = ''

@description('Q2Q: Azure OpenAI resource endpoint (https://<name>.openai.azure.com); empty = provider not configured.')
param azureOpenAIEndpoint string = ''

@secure()
@description('Q2Q: Azure OpenAI API key (empty = the app identity, or the provider is not configured).')
param azureOpenAIApiKey string = ''

@secure()
@description('Q2Q: OpenAI API key (empty = provider not configured).')
param openAIApiKey string = ''

@description('Impact-In partner endpoints and ids, not secret: benevityBaseUrl, benevityTokenUrl, benevityClientId, benevityScope, gooderaBaseUrl, workdayBaseUrl, workdayTokenUrl, workdayClientId, workdayTenant.')
param impactInPartners object = {}

@description('Entra ID authority (issuer with OpenID metadata) for the Functions API and the SSE host, e.g. https://login.microsoftonline.com/<tenant>/v2.0.')
param jwtAuthority string

@description('JWT audience the Functions API and the SSE host accept: the API app registration (application ID URI).')
param jwtAudience string

@description('Optional public IP allowed through the PostgreSQL firewall, to run tools/Migrator from a workstation.')
param clientIpAddress string = ''

@allowed(['15', '16'])
param postgresVersion string = '16'

@description('App Service plan SKU for the SSE host (Basic or higher: Always On).')
param streamPlanSku string = 'B1'

// Resource names allow lower case only (PostgreSQL) and must be unique (storage, Key Vault).
var env = toLower(environmentName)
var tags = { 'impact-env': env }
var token = toLower(uniqueString(subscription().id, resourceGroup().id, env))
var webhookQueueName = 'webhook-ingest'
var textQueueName = 'text-screening'
var eventsTopicName = 'impact-events'
var databaseName = 'impact'
// Names known before deployment, so role assignments get stable ids (and What-If can predict them).
var identityName = 'id-impact-${env}-${token}'
var applicationInsightsName = 'appi-impact-${env}-${token}'
var storageAccountName = take('stimpact${token}', 24)
var keyVaultName = take('kv-${token}', 24)
var serviceBusName = 'sb-impact-${env}-${token}'

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-impact-${env}-${token}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: 'app-package'
    // The queue trigger's own poison queue is created up front so alerts can watch it.
    queueNames: [webhookQueueName, '${webhookQueueName}-poison', textQueueName, '${textQueueName}-poison']
  }
}

// ─── Connection budget ─── Burstable B1ms allows 50 connections, of which Azure reserves 15 for
// itself (superuser, replication). The SSE host keeps about 5 (one LISTEN plus a small pool). The
// Functions app may use the rest: instances × pool ≤ 50 − 15 − 5 = 30, so with a pool of 5 at most
// 6 instances. A larger server (General Purpose D2ds_v5: 859 connections) raises the cap; change
// postgresMaxConnections together with the SKU.
param postgresMaxConnections int = 50
param postgresReservedConnections int = 15
param streamHostConnections int = 5
param functionsMaxPoolSize int = 5
var functionsMaxInstances = (postgresMaxConnections - postgresReservedConnections - streamHostConnections) / functionsMaxPoolSize

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    name: 'psql-impact-${env}-${token}'
    location: location
    tags: tags
    administratorLogin: postgresAdminLogin
    administratorPassword: postgresAdminPassword
    version: postgresVersion
    skuName: 'Standard_B1ms'
    skuTier: 'Burstable'
    storageSizeGB: 32
    databaseName: databaseName
    clientIpAddress: clientIpAddress
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  params: {
    name: serviceBusName
    location: location
    tags: tags
    topicName: eventsTopicName
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    name: keyVaultName
    location: location
    tags: tags
    postgresHost: postgres.outputs.fullyQualifiedDomainName
    postgresDatabase: postgres.outputs.databaseName
    postgresLogin: postgresAdminLogin
    postgresPassword: postgresAdminPassword
    kintellWebhookSecrets: kintellWebhookSecrets
    impactInSecrets: {
      benevityClientSecret: benevityClientSecret
      gooderaApiKey: gooderaApiKey
      workdayClientSecret: workdayClientSecret
    }
    llmSecrets: {
      azureOpenAIApiKey: azureOpenAIApiKey
      openAIApiKey: openAIApiKey
    }
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    identityName: identityName
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    serviceBusNamespaceName: serviceBusName
    applicationInsightsName: applicationInsightsName
  }
  dependsOn: [identity, storage, keyVault, serviceBus, monitoring]
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  params: {
    jwtAuthority: jwtAuthority
    jwtAudience: jwtAudience
    name: 'func-impact-${env}-${token}'
    planName: 'plan-func-impact-${env}-${token}'
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    postgresConnectionStringReference: keyVault.outputs.postgresConnectionStringReference
    kintellWebhookReference: keyVault.outputs.kintellWebhookReference
    benevityCredentialReference: keyVault.outputs.benevityCredentialReference
    gooderaCredentialReference: keyVault.outputs.gooderaCredentialReference
    workdayCredentialReference: keyVault.outputs.workdayCredentialReference
    impactInPartners: impactInPartners
    webhookQueueName: webhookQueueName
    textQueueName: textQueueName
    azureOpenAIEndpoint: azureOpenAIEndpoint
    azureOpenAIKeyReference: keyVault.outputs.azureOpenAIKeyReference
    openAIKeyReference: keyVault.outputs.openAIKeyReference
    // One task hub per storage account, and each environment has its own account.
    durableTaskHubName: 'impact'
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    serviceBusTopicName: serviceBus.outputs.topicName
    postgresMaxPoolSize: functionsMaxPoolSize
    maximumInstanceCount: functionsMaxInstances
    instanceMemoryMB: 2048
  }
  // The host reads its storage and Key Vault references at start: grant the roles first.
  dependsOn: [rbac]
}

module streamHost 'modules/streamhost.bicep' = {
  name: 'streamhost'
  params: {
    name: 'app-stream-impact-${env}-${token}'
    planName: 'plan-stream-impact-${env}-${token}'
    planSku: streamPlanSku
    location: location
    tags: tags
    identityId: identity.outputs.id
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    postgresConnectionStringReference: keyVault.outputs.postgresConnectionStringReference
    jwtAuthority: jwtAuthority
    jwtAudience: jwtAudience
  }
  dependsOn: [rbac]
}

output functionAppName string = functionApp.outputs.name
output functionAppUrl string = functionApp.outputs.url
output apiBaseUrl string = '${functionApp.outputs.url}/v1'
output streamHostName string = streamHost.outputs.name
output streamHostUrl string = streamHost.outputs.url
output storageAccountName string = storage.outputs.name
output keyVaultName string = keyVault.outputs.name
output postgresServerName string = postgres.outputs.name
output postgresHost string = postgres.outputs.fullyQualifiedDomainName
output serviceBusNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output identityClientId string = identity.outputs.clientId
