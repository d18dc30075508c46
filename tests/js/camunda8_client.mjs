// Drives bpmn-server's /v2 with Camunda's official JavaScript client, @camunda8/orchestration-cluster-api (npm),
// as tests/test_camunda8_npm_client.py runs it: deploy, start, a worker that completes a job, fails one to an
// incident and throws a BPMN error, then a person's user task: search, assign, complete (refused, then accepted).
// Requests and responses are checked by the client's own schemas (CAMUNDA_SDK_VALIDATION strict).
import { createCamundaClient } from '@camunda8/orchestration-cluster-api';

const env = process.env;
const client = (user, password) => createCamundaClient({ config: {
  CAMUNDA_REST_ADDRESS: env.BPMN_URL, CAMUNDA_AUTH_STRATEGY: 'BASIC', CAMUNDA_BASIC_AUTH_USERNAME: user,
  CAMUNDA_BASIC_AUTH_PASSWORD: password, CAMUNDA_SDK_VALIDATION: 'req:strict,res:strict',
  CAMUNDA_SDK_LOG_LEVEL: 'error' } });
const operator = client(env.WORKER_NAME, env.WORKER_TOKEN);
const manager = client(env.MANAGER_NAME, env.MANAGER_TOKEN);
const analyst = client(env.ANALYST_NAME, env.ANALYST_TOKEN);
const out = {};
const status = async (promise) => {
  try { await promise; return 'ok'; } catch (e) { return e.status ?? e.response?.status ?? String(e); }
};

out.refusedDeploy = await status(operator.deployResourcesFromFiles(env.RESOURCES.split(',')));
const deployed = await analyst.deployResourcesFromFiles(env.RESOURCES.split(','));
out.deployed = { processes: deployed.processes.map((p) => [p.processDefinitionId, p.processDefinitionVersion]),
                 forms: deployed.forms.map((f) => [f.formId, f.version]), key: deployed.deploymentKey };
out.badStart = await status(operator.createProcessInstance({ processDefinitionId: 'camunda8_leave_request',
                                                             variables: { days: 40 } }));
out.instances = {};
for (const employee of ['Ada', 'Bob', 'Cy']) {
  const made = await operator.createProcessInstance({ processDefinitionId: 'camunda8_leave_request',
                                                     variables: { employee, days: 3 } });
  out.instances[employee] = made.processInstanceKey;
}
const activated = await operator.activateJobs({ type: 'leave-balance', worker: 'js-worker', timeout: 30000,
                                                maxJobsToActivate: 5, requestTimeout: 1000 });
const jobs = Object.fromEntries(activated.jobs.map((j) => [j.variables.person, j]));
out.jobs = activated.jobs.map((j) => ({ person: j.variables.person, headers: j.customHeaders, retries: j.retries,
                                        instance: j.processInstanceKey }));
await operator.completeJob({ jobKey: jobs.Ada.jobKey, variables: { remaining: 12 } });
await operator.failJob({ jobKey: jobs.Bob.jobKey, retries: 0, errorMessage: 'HR system down' });
await operator.throwJobError({ jobKey: jobs.Cy.jobKey, errorCode: 'NO_BALANCE', errorMessage: 'none left' });
out.jobsLeft = (await operator.activateJobs({ type: 'leave-balance', worker: 'js-worker', timeout: 30000,
                                              maxJobsToActivate: 5 })).jobs.length;

const search = (filter) => manager.searchUserTasks({ filter, page: { limit: 10 } },
                                                   { consistency: { waitUpToMs: 0 } });
const found = await search({ processDefinitionId: 'camunda8_leave_request', state: 'CREATED' });
out.tasks = found.items.map((t) => ({ key: t.userTaskKey, elementId: t.elementId, groups: t.candidateGroups,
                                      instance: t.processInstanceKey, assignee: t.assignee }));
out.total = found.page.totalItems;
const key = found.items[0].userTaskKey;
// The form the task is linked to: the deployed leave-approval form, as the client's own call reads it.
const form = await manager.getUserTaskForm({ userTaskKey: key }, { consistency: { waitUpToMs: 0 } });
out.form = { formId: form.formId, version: form.version, linked: found.items[0].formKey === form.formKey,
             fields: JSON.parse(form.schema).components.map((c) => c.key).filter(Boolean) };
await manager.assignUserTask({ userTaskKey: key, assignee: env.MANAGER_NAME });
out.assignee = (await search({ userTaskKey: key })).items[0].assignee;
out.badCompletion = await status(manager.completeUserTask({ userTaskKey: key, variables: { decision: 'maybe' } }));
await manager.completeUserTask({ userTaskKey: key, variables: { decision: 'approved' } });
out.completed = (await search({ state: 'COMPLETED' })).items.map((t) => t.userTaskKey);
console.log(JSON.stringify(out));
