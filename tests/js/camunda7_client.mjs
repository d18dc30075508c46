// Drives bpmn-server's /engine-rest with Camunda's own JavaScript external-task client (camunda-external-task-
// client-js, npm), as tests/test_camunda7_npm_client.py runs it: a subscription filtered by process definition
// key and process variables fails its task with error details down to an incident; one filtered by business key
// locks, extends and completes its task.
import { BasicAuthInterceptor, Client, Variables } from 'camunda-external-task-client-js';

const env = process.env;
const client = new Client({ baseUrl: `${env.BPMN_URL}/engine-rest`, autoPoll: false, maxTasks: 5,
                            asyncResponseTimeout: 500, interval: 100,
                            interceptors: new BasicAuthInterceptor({ username: env.WORKER_NAME,
                                                                      password: env.WORKER_TOKEN }) });
const out = { failed: [], completed: [], errors: [] };
client.on('poll:error', (e) => out.errors.push(String(e)));
client.on('complete:error', (_t, e) => out.errors.push(String(e)));
client.on('handleFailure:error', (_t, e) => out.errors.push(String(e)));
client.on('lock:error', (_t, e) => out.errors.push(String(e)));

const failing = client.subscribe('charge-card', { processDefinitionKey: 'camunda_payment',
                                                  processVariables: { card: 'amex' } },
  async ({ task, taskService }) => {
    out.failed.push(task.variables.get('card'));
    await taskService.handleFailure(task, { errorMessage: 'card service down', errorDetails: 'Traceback: timeout',
                                            retries: 0, retryTimeout: 0 });
  });
client.start();
await new Promise((resolve) => setTimeout(resolve, 1500));
client.stop();
failing.unsubscribe();

client.subscribe('charge-card', { businessKey: 'K-visa', lockDuration: 5000 }, async ({ task, taskService }) => {
  await taskService.lock(task, 60000);
  await taskService.extendLock(task, 90000);
  const done = new Variables().set('receipt', `R-${task.businessKey}`);
  await taskService.complete(task, done);
  out.completed.push(task.businessKey);
});
client.start();
await new Promise((resolve) => setTimeout(resolve, 1500));
client.stop();
console.log(JSON.stringify(out));
process.exit(0);
