/* Entry of static/vendor/form-js-viewer/form-viewer.min.js (build.sh bundles it with esbuild, global
   `FormViewerJs`): the bpmn.io form viewer (@bpmn-io/form-js-viewer) that renders a task's Camunda Form on the
   task page (static/task_form.js). The server keeps validating what it sends against the form's schema. */
import { Form } from "@bpmn-io/form-js-viewer";

/* A form viewer rendering into `container`. */
export function create(container) {
  return new Form({ container });
}
