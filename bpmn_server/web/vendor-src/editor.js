/* Entry of static/vendor/bpmn-js-modeler/bpmn-modeler.min.js (build.sh bundles it with esbuild, global
   `BpmnEditor`): the bpmn.io modeler with its properties panel and the Camunda 7 extensions
   (camunda-bpmn-moddle), which are what this server runs: assignments, forms, listeners, external-task
   topics, scripts, timers, messages, errors, decisions; the Zeebe moddle (zeebe-bpmn-moddle) so that a Camunda 8
   extension survives an edit and a user task can link a deployed Camunda Form (zeebe:formDefinition formId, what
   the server binds). bpmn-js-bpmnlint lints as you draw, with the rules of bpmnlintrc.json (compiled into
   lint-config.js by lint-config.cjs); bpmn-js-token-simulation lets an owner click tokens through the paths.
   static/editor.js drives it. */
import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule
} from "bpmn-js-properties-panel";
import CamundaBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import zeebeAll from "zeebe-bpmn-moddle/resources/zeebe.json";
import LintModule from "bpmn-js-bpmnlint";
import TokenSimulationModule from "bpmn-js-token-simulation";
import lintConfig from "./lint-config.js";

/* The Zeebe moddle beside the Camunda 7 one, less its template attributes (camunda:modelerTemplate and
   zeebe:modelerTemplate share a name on bpmn:Process, and two properties of one name break every import). */
const TEMPLATES = ["TemplateSupported", "TemplatedRootElement"];
const zeebeModdle = { ...zeebeAll, types: zeebeAll.types.filter((t) => !TEMPLATES.includes(t.name)) };

/* A modeler drawing into `container`, its properties panel in `properties`. */
export function create(container, properties) {
  return new BpmnModeler({
    container,
    propertiesPanel: { parent: properties },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      LintModule,
      TokenSimulationModule
    ],
    linting: { bpmnlint: lintConfig, active: true },
    moddleExtensions: { camunda: camundaModdle, zeebe: zeebeModdle }
  });
}
