// placeholder until the page lands
import { byId } from '../lib/dom';
byId('app').textContent = 'participant';
